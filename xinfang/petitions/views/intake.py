"""Views: intake (登记) — the counter form with its live petitioner lookup and repeat proposals
(htmx fragments, with a plain-POST fallback), a registered matter's repeat decisions and
attachments, petitioner search, the petitioner's page with their history, and the logged full view
of their personal data. Thin: each calls one service or selector and renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.ids import id_from_text

from ..forms_intake import AttachmentForm, LinkDecisionForm, MatterIntakeForm
from ..models import Matter, Petitioner
from ..selectors_intake import (
    intake_matter_get,
    intake_organisations,
    petitioner_get,
    petitioner_history,
    petitioner_search,
)
from ..services.intake import attachment_add, attachment_can_add, matter_register
from ..services.personal_data import (
    personal_data_can_view,
    personal_data_view,
    petitioner_card,
)
from ..services.repeats import MIN_TEXT_CHARS, Candidate, matter_link, normalise_text, repeat_candidates


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not getattr(htmx, "history_restore_request", False)


def _organisations_or_403(request: HttpRequest) -> list[Any]:
    organisations = intake_organisations(user=request.user)
    if not organisations:
        raise PermissionDenied(_("您没有登记信访事项的权限。"))
    return organisations


def _lookup_context(form: MatterIntakeForm) -> dict[str, Any]:
    """Petitioners matching what has been typed (masked), the chosen one kept on top."""
    query = form.lookup_query()
    results = petitioner_search(user=form.user, query=query) if query else []
    selected = form.selected_petitioner_id()
    if selected is not None and all(card.pk != selected for card in results):
        try:
            results.insert(0, petitioner_card(petitioner_get(user=form.user, pk=selected)))
        except Petitioner.DoesNotExist:
            selected = None
    return {"lookup_query": query, "petitioner_results": results, "selected_petitioner": selected}


def _repeats_context(form: MatterIntakeForm) -> dict[str, Any]:
    """Earlier matters that may be the same (XF-REG-04, XF-REV-06), from what has been typed."""
    data = form.partial_matter_data()
    candidates: list[Candidate] = []
    text = normalise_text(" ".join([data.title, data.request, data.facts]))
    if data.petitioners or data.hotline_order_ref or len(text) >= MIN_TEXT_CHARS:
        candidates = repeat_candidates(user=form.user, data=data, organisation=form.current_organisation())
    return {"candidates": candidates, "link_choice": form.raw("link_choice"), "checked": True}


def _done_matter(request: HttpRequest) -> Matter | None:
    pk = id_from_text(request.GET.get("done", ""))
    if pk is None:
        return None
    try:
        return intake_matter_get(user=request.user, pk=pk)
    except Matter.DoesNotExist:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def intake_register_view(request: HttpRequest) -> HttpResponse:
    """The counter form. POST registers (then redirects back with the new number: a reload never
    registers twice, and the one-time key stops a double click). A POST with `_check` only
    refreshes the petitioner lookup and the repeat proposals (the no-JavaScript path)."""
    organisations = _organisations_or_403(request)
    context: dict[str, Any] = {"show_errors": False, "done": None}
    if request.method == "POST":
        checking = "_check" in request.POST
        if checking:  # re-shown as typed, without error messages: nothing was submitted yet
            form = MatterIntakeForm(initial=request.POST.dict(), user=request.user, organisations=organisations)
        else:
            form = MatterIntakeForm(request.POST, request.FILES, user=request.user, organisations=organisations)
        if not checking and form.is_valid():
            try:
                matter = matter_register(
                    actor=request.user, organisation=form.cleaned_data["organisation"], data=form.matter_data()
                )
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                return redirect(f"{reverse('petitions:intake_register')}?done={matter.pk}")
        context["show_errors"] = not checking
        context["files_lost"] = bool(request.FILES) and not checking
        context.update(_lookup_context(form))
        context.update(_repeats_context(form))
    else:
        form = MatterIntakeForm(
            initial=MatterIntakeForm.initial_for(user=request.user, organisations=organisations),
            user=request.user,
            organisations=organisations,
        )
        context["done"] = _done_matter(request)
        context.update({"petitioner_results": [], "candidates": [], "checked": False})
    context.update({"form": form, "organisations": organisations})
    return render(request, "petitions/intake/register.html", context)


@login_required
@require_POST
def intake_petitioner_lookup_view(request: HttpRequest) -> HttpResponse:
    """htmx fragment: petitioners matching the name, ID number or phone typed so far (masked)."""
    organisations = _organisations_or_403(request)
    form = MatterIntakeForm(request.POST, user=request.user, organisations=organisations)
    return render(request, "petitions/intake/_petitioner_results.html", {"form": form, **_lookup_context(form)})


@login_required
@require_POST
def intake_repeat_candidates_view(request: HttpRequest) -> HttpResponse:
    """htmx fragment: the repeat proposals for what has been typed so far, with the decisions."""
    organisations = _organisations_or_403(request)
    form = MatterIntakeForm(request.POST, user=request.user, organisations=organisations)
    return render(request, "petitions/intake/_repeat_candidates.html", {"form": form, **_repeats_context(form)})


def _matter_or_404(request: HttpRequest, pk: int) -> Matter:
    try:
        return intake_matter_get(user=request.user, pk=pk)
    except Matter.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def intake_matter_repeats_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A registered matter's repeat proposals and the decision on one of them (matter_link)."""
    matter = _matter_or_404(request, pk)
    if not any(
        user_can(request.user, action, org)
        for action in (Action.MATTER_REGISTER, Action.MATTER_TRIAGE)
        for org in (matter.registered_org, matter.current_org)
    ):
        raise PermissionDenied(_("您没有权限处理该事项的重复信访。"))
    form = LinkDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        selected = form.selected_link()
        other = None
        if selected is not None:
            other = Matter.objects.restrict(request.user, Action.MATTER_VIEW).filter(pk=selected[0]).first()
        if other is None or selected is None:
            form.add_error("link_choice", _("所选事项不存在或不在您的查看范围内。"))
        else:
            try:
                matter_link(
                    actor=request.user,
                    matter=matter,
                    other=other,
                    kind=selected[1],
                    reason=form.cleaned_data["link_reason"],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error("link_choice", message)
            else:
                messages.success(request, _("已记录处理决定。"))
                return redirect("petitions:intake_matter_repeats", pk=matter.pk)
    candidates = repeat_candidates(user=request.user, matter=matter)
    context = {
        "matter": matter,
        "form": form,
        "candidates": candidates,
        "link_choice": request.POST.get("link_choice", ""),
        "checked": True,
        "links": matter.links.select_related("other").order_by("decided_at"),
    }
    return render(request, "petitions/intake/matter_repeats.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def intake_attachment_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a file to a registered matter (checked by content and size, hashed)."""
    matter = _matter_or_404(request, pk)
    if not attachment_can_add(actor=request.user, matter=matter):
        raise PermissionDenied(_("您没有权限为该事项添加附件。"))
    form = AttachmentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            attachment_add(actor=request.user, matter=matter, upload=form.cleaned_data["file"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("file", message)
        else:
            messages.success(request, _("附件已添加。"))
            return redirect("petitions:intake_attachment_add", pk=matter.pk)
    context = {"matter": matter, "form": form, "attachments": matter.attachments.order_by("uploaded_at")}
    return render(request, "petitions/intake/attachment_add.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def petitioner_search_view(request: HttpRequest) -> HttpResponse:
    """Find a petitioner by ID number, phone or name (masked results); htmx gets the list only.
    The query travels by POST, so ID numbers and phones never appear in URLs or access logs."""
    if not user_can(request.user, Action.MATTER_VIEW):
        raise PermissionDenied(_("您没有查看信访事项的权限。"))
    query = request.POST.get("q", "").strip() if request.method == "POST" else ""
    results = petitioner_search(user=request.user, query=query) if query else []
    context = {"query": query, "results": results}
    template = "petitions/intake/_petitioner_search_results.html" if _is_htmx(request) else None
    response = render(request, template or "petitions/intake/petitioner_search.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


def _petitioner_or_404(request: HttpRequest, pk: int) -> Petitioner:
    try:
        return petitioner_get(user=request.user, pk=pk)
    except Petitioner.DoesNotExist as exc:
        raise Http404 from exc


def _petitioner_context(request: HttpRequest, petitioner: Petitioner) -> dict[str, Any]:
    return {
        "petitioner": petitioner,
        "card": petitioner_card(petitioner),
        "history": petitioner_history(user=request.user, petitioner=petitioner),
        "can_view_full": personal_data_can_view(user=request.user, petitioner=petitioner),
        "revealed": None,
    }


@login_required
@require_GET
def petitioner_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A petitioner (masked) and the matters of theirs the reader may view."""
    petitioner = _petitioner_or_404(request, pk)
    return render(request, "petitions/intake/petitioner_detail.html", _petitioner_context(request, petitioner))


@login_required
@require_POST
def petitioner_personal_data_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Show the full ID number and phone, on explicit request; each view is logged (403 for roles
    without personal_data.view for one of the petitioner's matters)."""
    petitioner = _petitioner_or_404(request, pk)
    revealed = personal_data_view(actor=request.user, petitioner=petitioner)
    if _is_htmx(request):
        return render(
            request, "petitions/intake/_personal_data.html", {"card": petitioner_card(petitioner), "revealed": revealed}
        )
    context = _petitioner_context(request, petitioner)
    context["revealed"] = revealed
    return render(request, "petitions/intake/petitioner_detail.html", context)


urlpatterns: list[URLPattern] = [
    path("register/", intake_register_view, name="intake_register"),
    path("register/petitioners/", intake_petitioner_lookup_view, name="intake_petitioner_lookup"),
    path("register/repeats/", intake_repeat_candidates_view, name="intake_repeat_candidates"),
    path("<int:pk>/repeats/", intake_matter_repeats_view, name="intake_matter_repeats"),
    path("<int:pk>/attachments/add/", intake_attachment_add_view, name="intake_attachment_add"),
    path("petitioners/", petitioner_search_view, name="petitioner_search"),
    path("petitioners/<int:pk>/", petitioner_detail_view, name="petitioner_detail"),
    path("petitioners/<int:pk>/personal-data/", petitioner_personal_data_view, name="petitioner_personal_data"),
]
