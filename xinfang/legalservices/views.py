"""Pages of the one-stop service platform.

Public (no login): the catalogue, a point, the booking form, the one-time receipt and the status
page. The booking form is protected by CSRF, a signed time-based token, a honeypot and a rate limit
per client address; the status page by a rate limit and a uniform answer for any wrong reference or
code. Staff: the request inbox, a request, and the actions (accept, start, complete, decline), each
a service call; a request the user may not handle is a 404, a user without the action gets 403.
Staff also register the requests of people who come in or telephone, and get a slip with the
reference and access code to print and hand over (shown once, like the public receipt)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.core.formguard import honeypot_filled
from xinfang.core.ratelimit import too_many
from xinfang.transfer.exports import Column, export_format, export_response

from . import selectors, services
from .abuse import (
    HONEYPOT_FIELD,
    STATUS_LIMIT,
    SUBMIT_LIMIT,
    TokenError,
    check_form_token,
    issue_form_token,
    rate_limited,
    use_form_token,
)
from .codes import format_code
from .forms import (
    AcceptForm,
    CatalogueFilterForm,
    CompleteForm,
    DeclineForm,
    InboxFilterForm,
    RequestForm,
    StaffRequestForm,
    StatusForm,
)
from .models import ServicePoint, ServiceRequest

RECEIPT_SESSION_KEY = "legalservices_receipt"
SLIP_SESSION_KEY = "legalservices_staff_slip"
INBOX_PAGE_SIZE = 50


# --- Public pages -------------------------------------------------------------------------------


def catalogue_view(request: HttpRequest) -> HttpResponse:
    """Every active service point by level, with where, when and how; filter by kind, level, town."""
    kinds = selectors.kind_list()
    towns = selectors.town_list()
    form = CatalogueFilterForm(request.GET or None, kinds=kinds, towns=towns)
    filters = form.filters()
    groups = selectors.catalogue(**filters)
    context = {
        "form": form,
        "kinds": kinds,
        "groups": groups,
        "filtered": any(filters.values()),
        "count": sum(len(g.points) for g in groups),
    }
    return render(request, "legalservices/catalogue.html", context)


def point_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        point = selectors.point_detail(pk)
    except ServicePoint.DoesNotExist:
        raise Http404(_("未找到该服务点。")) from None
    book_url = f"{reverse('legalservices:request')}?point={point.pk}"
    return render(request, "legalservices/point.html", {"point": point, "book_url": book_url})


def _request_page(
    request: HttpRequest, point: ServicePoint, form: RequestForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {
        "point": point,
        "form": form,
        "error": error,
        "token": issue_form_token(),
        "honeypot": HONEYPOT_FIELD,
    }
    return render(request, "legalservices/request.html", context, status=status)


_TOKEN_ERRORS = {
    "too_fast": lambda: _("提交太快了。请核对填写的内容，然后再提交一次。"),
    "expired": lambda: _("表单打开时间过长，已经失效。请核对填写的内容，然后再提交一次。"),
    "invalid": lambda: _("表单已失效。请核对填写的内容，然后再提交一次。"),
    "used": lambda: _("这份表单已经提交过了。如需再次申请，请重新填写。"),
}


@never_cache
@require_http_methods(["GET", "POST"])
def request_view(request: HttpRequest) -> HttpResponse:
    """Book or request a service at a point (?point=<id>&kind=<code>)."""
    point = selectors.point_for_request(request.POST.get("point") or request.GET.get("point"))
    if point is None:
        messages.info(request, _("请先在服务目录中选择一个服务点。"))
        return redirect("legalservices:catalogue")
    if request.method != "POST":
        initial = {}
        kind_code = request.GET.get("kind", "")
        kind = next((k for k in point.kinds.all() if k.code == kind_code), None)
        if kind is not None:
            initial["kind"] = kind.pk
        return _request_page(request, point, RequestForm(point=point, initial=initial))

    form = RequestForm(request.POST, point=point)
    if rate_limited(request, "submit", SUBMIT_LIMIT):
        page = _request_page(request, point, form, error=_("提交过于频繁，请一小时后再试，或直接致电服务点。"))
        return too_many(page, retry_after=SUBMIT_LIMIT[1])
    if honeypot_filled(request.POST, HONEYPOT_FIELD):
        # Only a script fills in the hidden field: refuse without saying why.
        return _request_page(request, point, form, error=_("无法提交申请，请稍后再试或直接致电服务点。"), status=400)
    try:
        nonce = check_form_token(request.POST.get("form_token", ""))
    except TokenError as exc:
        return _request_page(request, point, form, error=_TOKEN_ERRORS[exc.reason](), status=400)
    if not form.is_valid():
        return _request_page(request, point, form, status=400)
    if not use_form_token(nonce):
        return _request_page(request, point, form, error=_TOKEN_ERRORS["used"](), status=400)
    data = form.cleaned_data
    try:
        submitted = services.public_request_submit(
            point=point,
            kind=data["kind"],
            preferred_date=data["preferred_date"],
            time_slot=data["time_slot"],
            name=data["name"],
            phone=data["phone"],
            description=data["description"],
            language=get_language() or "",
        )
    except ValidationError as exc:
        put_errors(form, exc)
        return _request_page(request, point, form, status=400)
    # Post/redirect/get: the receipt page shows the code once, then forgets it.
    request.session[RECEIPT_SESSION_KEY] = {
        "reference": submitted.request.reference,
        "code": format_code(submitted.access_code),
        "request": submitted.request.pk,
    }
    return redirect("legalservices:done")


@never_cache
def done_view(request: HttpRequest) -> HttpResponse:
    """The reference and access code, shown once."""
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not receipt:
        return redirect("legalservices:status")
    service_request = (
        ServiceRequest.objects.select_related("point__organisation", "kind").filter(pk=receipt["request"]).first()
    )
    if service_request is None:
        return redirect("legalservices:status")
    context = {
        "reference": receipt["reference"],
        "code": receipt["code"],
        "service_request": service_request,
        "due": selectors.running_due(service_request),
    }
    return render(request, "legalservices/done.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def status_view(request: HttpRequest) -> HttpResponse:
    """Reference + access code → status and outcome in plain words. Posted, so that the code never
    appears in an address or a log; rate limited per client address; one answer for any mismatch."""
    if request.method != "POST":
        return render(request, "legalservices/status.html", {"form": StatusForm()})
    form = StatusForm(request.POST)
    if rate_limited(request, "status", STATUS_LIMIT):
        context = {"form": form, "error": _("查询过于频繁，请十分钟后再试。")}
        return too_many(render(request, "legalservices/status.html", context), retry_after=STATUS_LIMIT[1])
    if not form.is_valid():
        return render(request, "legalservices/status.html", {"form": form}, status=400)
    reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
    notice = ""
    if request.POST.get("action") == "cancel":
        try:
            services.public_request_cancel(reference=reference, code=code)
            notice = _("您的申请已取消。")
        except ValidationError:
            pass  # wrong code (uniform answer below) or no longer cancellable (status shown as it is)
    service_request = selectors.request_lookup(reference=reference, code=code)
    if service_request is None:
        context = {"form": form, "error": _("申请编号或查询码不正确，请核对后重新输入。")}
        return render(request, "legalservices/status.html", context)
    context = {
        "form": StatusForm(),
        "service_request": service_request,
        "explanation": selectors.status_explanation(service_request),
        "due": selectors.running_due(service_request) if service_request.is_open else None,
        "reference": service_request.reference,
        "code": code,
        "can_cancel": service_request.status in services.CANCEL_FROM,
        "notice": notice,
    }
    return render(request, "legalservices/status.html", context)


# --- Staff pages --------------------------------------------------------------------------------


def _check_handler(user: Any) -> None:
    if not user_can(user, Action.LEGALSERVICE_HANDLE):
        raise PermissionDenied(_("您没有权限办理一站式服务申请。"))


def _with_clocks(items: list[ServiceRequest]) -> list[ServiceRequest]:
    """A page (or an export chunk) of requests with their running clocks (one query)."""
    clocks = selectors.due_dates(items)
    for item in items:
        item.clock = clocks.get(item.pk)  # type: ignore[attr-defined]
    return items


# The inbox as a download (?export=csv|xlsx): the page's columns (no applicant's personal data).
INBOX_EXPORT_COLUMNS = [
    Column(gettext_lazy("申请编号"), lambda r: r.reference, 18),
    Column(gettext_lazy("提交时间"), lambda r: r.created_at, 18),
    Column(gettext_lazy("申请渠道"), lambda r: r.get_channel_display()),
    Column(gettext_lazy("服务项目"), lambda r: r.kind.local_name, 20),
    Column(gettext_lazy("服务点"), lambda r: r.point.local_name, 30),
    Column(gettext_lazy("希望办理日期"), lambda r: r.preferred_date, 12),
    Column(gettext_lazy("时段"), lambda r: r.get_time_slot_display()),
    Column(gettext_lazy("状态"), lambda r: r.get_status_display()),
    Column(gettext_lazy("到期日"), lambda r: r.clock.due_date if r.clock else None, 12),
    Column(gettext_lazy("经办人"), lambda r: str(r.handled_by) if r.handled_by else ""),
]


@login_required
def inbox_view(request: HttpRequest) -> HttpResponseBase:
    """The requests of the points the user handles, newest first; filter by status, kind, point."""
    _check_handler(request.user)
    points = selectors.handling_points(request.user)
    form = InboxFilterForm(request.GET or None, points=points)
    queryset = selectors.request_inbox(request.user, **form.filters())
    if fmt := export_format(request):
        return export_response(
            request=request,
            rows=queryset,
            columns=INBOX_EXPORT_COLUMNS,
            filename=_("一站式服务申请"),
            fmt=fmt,
            prepare=_with_clocks,
            invalid=form.is_bound and not form.is_valid(),
        )
    page = Paginator(queryset, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    items = _with_clocks(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "items": items, "query": query.urlencode()}
    return render(request, "legalservices/staff/inbox.html", context)


def _staff_request(request: HttpRequest, pk: int) -> ServiceRequest:
    _check_handler(request.user)
    try:
        return selectors.request_for_staff(request.user, pk)
    except ServiceRequest.DoesNotExist:
        raise Http404(_("未找到该申请。")) from None


def _detail_page(
    request: HttpRequest, service_request: ServiceRequest, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    current = service_request.status
    forms = forms or {}
    context = {
        "r": service_request,
        "due": selectors.running_due(service_request) if service_request.is_open else None,
        "history": list(selectors.request_history(service_request)),
        "accept_form": forms.get("accept", AcceptForm()) if current in services.ACCEPT_FROM else None,
        "can_start": current in services.START_FROM,
        "complete_form": forms.get("complete", CompleteForm()) if current in services.COMPLETE_FROM else None,
        "decline_form": forms.get("decline", DeclineForm()) if current in services.DECLINE_FROM else None,
    }
    return render(request, "legalservices/staff/detail.html", context, status=status)


@login_required
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _staff_request(request, pk))


ACTIONS = {
    "accept": (AcceptForm, lambda actor, r, d: services.request_accept(actor=actor, service_request=r, note=d["note"])),
    "start": (None, lambda actor, r, d: services.request_start(actor=actor, service_request=r)),
    "complete": (
        CompleteForm,
        lambda actor, r, d: services.request_complete(actor=actor, service_request=r, outcome=d["outcome"]),
    ),
    "decline": (
        DeclineForm,
        lambda actor, r, d: services.request_decline(actor=actor, service_request=r, reason=d["reason"]),
    ),
}
DONE_MESSAGES = {
    "accept": lambda: _("已受理该申请。"),
    "start": lambda: _("已开始办理。"),
    "complete": lambda: _("已办结，申请人可在查询页面看到办理结果。"),
    "decline": lambda: _("已不予办理，申请人可在查询页面看到理由。"),
}


@login_required
@require_POST
def action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One staff action on a request: 404 unless the user may handle it, then the service."""
    if action not in ACTIONS:
        raise Http404
    service_request = _staff_request(request, pk)
    form_class, call = ACTIONS[action]
    form = form_class(request.POST) if form_class is not None else None
    if form is not None and not form.is_valid():
        return _detail_page(request, service_request, {action: form}, status=400)
    try:
        call(request.user, service_request, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        fields = set(getattr(exc, "error_dict", {}))
        if form is None or not fields & set(form.fields):
            # A rule refused the action (e.g. someone else changed the request meanwhile).
            messages.error(request, " ".join(exc.messages))
            return redirect("legalservices:staff_detail", pk=pk)
        put_errors(form, exc)
        return _detail_page(request, service_request, {action: form}, status=400)
    messages.success(request, DONE_MESSAGES[action]())
    return redirect(reverse("legalservices:staff_detail", args=[pk]))


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def staff_new_view(request: HttpRequest) -> HttpResponse:
    """Register the request of a person at the counter or on the phone, at one of the user's points
    (legalservice.handle); then the slip with the reference and access code."""
    _check_handler(request.user)
    points = selectors.registering_points(request.user)
    if not points:
        raise PermissionDenied(_("您负责的机构没有开放的服务点。"))
    language = get_language() or ""
    if request.method != "POST":
        initial = {"point": points[0].pk} if len(points) == 1 else {}
        chosen = request.GET.get("point", "")
        if chosen.isdigit() and any(p.pk == int(chosen) for p in points):
            initial["point"] = int(chosen)
        form = StaffRequestForm(points=points, language=language, initial=initial)
        return _staff_new_page(request, form)
    form = StaffRequestForm(request.POST, points=points, language=language)
    if not form.is_valid():
        return _staff_new_page(request, form, status=400)
    data = form.cleaned_data
    try:
        submitted = services.staff_request_register(
            actor=request.user,
            point=data["point"],
            kind=data["kind"],
            channel=data["channel"],
            name=data["name"],
            phone=data["phone"],
            description=data["description"],
            preferred_date=data["preferred_date"],
            time_slot=data["time_slot"],
            received_on=data["received_on"],
            language=data["language"],
            accept_now=data["accept_now"],
            note=data["note"],
        )
    except ValidationError as exc:
        put_errors(form, exc)
        return _staff_new_page(request, form, status=400)
    # Post/redirect/get: the slip shows the code once, then forgets it.
    request.session[SLIP_SESSION_KEY] = {
        "reference": submitted.request.reference,
        "code": format_code(submitted.access_code),
        "request": submitted.request.pk,
        "language": data["language"],
    }
    return redirect("legalservices:staff_slip")


def _staff_new_page(request: HttpRequest, form: StaffRequestForm, status: int = 200) -> HttpResponse:
    return render(request, "legalservices/staff/new.html", {"form": form}, status=status)


@never_cache
@login_required
def staff_slip_view(request: HttpRequest) -> HttpResponse:
    """The slip of a request just registered: reference and access code to print or copy for the
    person, in the language chosen for them; shown once (the code is not stored in clear)."""
    _check_handler(request.user)
    slip = request.session.pop(SLIP_SESSION_KEY, None)
    service_request = None
    if slip:
        service_request = (
            selectors.handling_requests(request.user)
            .select_related("point__organisation", "kind")
            .filter(pk=slip["request"])
            .first()
        )
    if service_request is None:
        messages.info(request, _("登记回执只显示一次，已经显示过了。"))
        return redirect("legalservices:staff_inbox")
    with translation.override(slip["language"]):  # the due-date sentence in the person's language
        due = selectors.running_due(service_request) if service_request.is_open else None
    context = {
        "r": service_request,
        "reference": slip["reference"],
        "code": slip["code"],
        "slip_language": slip["language"],
        "due": due,
        "status_url": request.build_absolute_uri(reverse("legalservices:status")),
    }
    return render(request, "legalservices/staff/slip.html", context)
