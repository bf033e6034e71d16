"""Pages: the public authenticity check (no login, rate limited, no personal data) and the staff
PDF download."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xinfang.core import ratelimit

from .models import Document
from .selectors import document_for_download, document_verify

VERIFY_LIMIT = 30  # checks per client address per minute
VERIFY_WINDOW = 60


class VerifyForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("验证码"), max_length=32, strip=True)


def _rate_limited(request: HttpRequest) -> bool:
    """The fixed-window counter per client address (`xinfang.core.ratelimit`; codes are random, so
    this only guards against load, not against guessing)."""
    address = ratelimit.client_address(request)
    return ratelimit.hit("notices:verify", address, limit=VERIFY_LIMIT, window=VERIFY_WINDOW)


def _too_many(request: HttpRequest) -> HttpResponse:
    page = render(request, "notices/verify.html", {"form": VerifyForm(), "error": _("查询过于频繁，请一分钟后再试。")})
    return ratelimit.too_many(page, retry_after=VERIFY_WINDOW)


@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    """The form: enter the code printed on the document (or scan its QR code)."""
    if request.GET.get("code"):
        if _rate_limited(request):
            return _too_many(request)
        form = VerifyForm(request.GET)
        if form.is_valid():
            return redirect("notices:verify_code", code=form.cleaned_data["code"].upper())
    else:
        form = VerifyForm()
    return render(request, "notices/verify.html", {"form": form})


@never_cache
@require_GET
def verify_code_view(request: HttpRequest, code: str) -> HttpResponse:
    """The result: number, kind, issuing organisation, date and status. Nothing else."""
    if _rate_limited(request):
        return _too_many(request)
    document = document_verify(code)
    if document is None:
        return render(
            request,
            "notices/verify.html",
            {"form": VerifyForm(initial={"code": code}), "error": _("未找到该验证码对应的文书，请核对后重新输入。")},
            status=404,
        )
    return render(request, "notices/verify_result.html", {"document": document})


@login_required
def document_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored PDF, for staff who may view the document's matter (or, without a matter, its
    issuing organisation)."""
    try:
        document = document_for_download(request.user, pk)
    except Document.DoesNotExist:
        raise Http404(_("未找到该文书。")) from None
    response = HttpResponse(bytes(document.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="document-{document.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
