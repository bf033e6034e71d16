"""Pages of the outreach app.

Public (no login, public layout, phone first): the published reception days with who, where and
when; the booking form (CSRF, a signed time-based token used once, a honeypot, a rate limit per
client address); the receipt with the reference and query code, shown once; the look-up and
cancellation page (posted, rate limited, one answer for any wrong reference or code).

Staff (outreach.manage): reception days and their bookings, visits (the record form is usable on a
phone) and their items with the actions that pass them on, assignments and plans, and the figures.
A row the user may not see is a 404; a user without the action 403."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.core.formguard import honeypot_filled
from xinfang.core.ratelimit import too_many

from . import selectors, services
from .abuse import (
    BOOK_LIMIT,
    CANCEL_LIMIT,
    HONEYPOT_FIELD,
    FormTokenError,
    check_form_token,
    issue_form_token,
    rate_limited,
    use_form_token,
)
from .codes import format_code
from .forms import (
    AssignmentForm,
    BookingForm,
    ItemForm,
    LookupForm,
    PeriodForm,
    PlanForm,
    ReceptionDayForm,
    ResolveForm,
    ToGridEventForm,
    ToMediationForm,
    ToPetitionForm,
    VisitForm,
)
from .models import Assignment, Booking, VisitItem
from .states import MARKS, BookingStatus, ItemOutcome

PAGE_SIZE = 30
RECEIPT_KEY = "outreach_receipt"

_TOKEN_ERRORS = {
    "too_fast": lambda: _("提交太快了。请核对填写的内容，然后再提交一次。"),
    "expired": lambda: _("表单打开时间过长，已经失效。请核对填写的内容，然后再提交一次。"),
    "invalid": lambda: _("表单已失效。请核对填写的内容，然后再提交一次。"),
    "used": lambda: _("这份表单已经提交过了。如需再次预约，请重新填写。"),
}


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Public pages -------------------------------------------------------------------------------


def public_days_view(request: HttpRequest) -> HttpResponse:
    """The published reception days from today on: who, where, when, places left."""
    page = _page(request, selectors.public_day_list())
    return render(request, "outreach/public_days.html", {"page": page, "days": page.object_list})


def _book_page(
    request: HttpRequest, day: Any, form: BookingForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    context = {"day": day, "form": form, "error": error, "token": issue_form_token(), "honeypot": HONEYPOT_FIELD}
    return render(request, "outreach/book.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def book_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a place on a published reception day."""
    day = selectors.public_day(pk)
    if day is None:
        raise Http404(_("未找到该接访日，或者它还没有公布。"))
    if request.method != "POST":
        return _book_page(request, day, BookingForm(day=day))
    form = BookingForm(request.POST, day=day)
    if rate_limited(request, "book", BOOK_LIMIT):
        page = _book_page(request, day, form, error=_("提交过于频繁，请一小时后再试。"))
        return too_many(page, retry_after=BOOK_LIMIT[1])
    if honeypot_filled(request.POST, HONEYPOT_FIELD):
        return _book_page(request, day, form, error=_("无法提交预约，请稍后再试。"), status=400)
    try:
        nonce = check_form_token(request.POST.get("form_token", ""))
    except FormTokenError as exc:
        return _book_page(request, day, form, error=_TOKEN_ERRORS[exc.reason](), status=400)
    if not form.is_valid():
        return _book_page(request, day, form, status=400)
    if not use_form_token(nonce):
        return _book_page(request, day, form, error=_TOKEN_ERRORS["used"](), status=400)
    data = form.cleaned_data
    try:
        booked = services.booking_create(
            day=day,
            name=data["name"],
            phone=data["phone"],
            subject=data["subject"],
            preferred_time=data["preferred_time"],
            language=get_language() or "",
        )
    except ValidationError as exc:
        put_errors(form, exc)
        return _book_page(request, day, form, status=400)
    request.session[RECEIPT_KEY] = {
        "reference": booked.booking.reference,
        "code": format_code(booked.code),
        "booking": booked.booking.pk,
    }
    return redirect("outreach:done")


@never_cache
def done_view(request: HttpRequest) -> HttpResponse:
    """The reference and query code, shown once."""
    receipt = request.session.pop(RECEIPT_KEY, None)
    booking = (
        Booking.objects.select_related("reception_day__organisation").filter(pk=receipt["booking"]).first()
        if receipt
        else None
    )
    if booking is None:
        return redirect("outreach:lookup")
    context = {"reference": receipt["reference"], "code": receipt["code"], "booking": booking}  # type: ignore[index]
    return render(request, "outreach/done.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
def lookup_view(request: HttpRequest) -> HttpResponse:
    """Reference + query code → the booking, and its cancellation (posted: the code never appears
    in an address or a log)."""
    if request.method != "POST":
        return render(request, "outreach/lookup.html", {"form": LookupForm()})
    form = LookupForm(request.POST)
    if rate_limited(request, "lookup", CANCEL_LIMIT):
        context = {"form": form, "error": _("查询过于频繁，请十分钟后再试。")}
        return too_many(render(request, "outreach/lookup.html", context), retry_after=CANCEL_LIMIT[1])
    if not form.is_valid():
        return render(request, "outreach/lookup.html", {"form": form}, status=400)
    reference, code = form.cleaned_data["reference"], form.cleaned_data["code"]
    notice, error = "", ""
    if request.POST.get("action") == "cancel":
        try:
            services.booking_cancel(reference=reference, code=code)
            notice = _("您的预约已取消。")
        except ValidationError as exc:
            error = exc.messages[0]
    booking = services.booking_lookup(reference=reference, code=code)
    if booking is None:
        context = {"form": form, "error": _("预约编号或查询码不正确，请核对后重新输入。")}
        return render(request, "outreach/lookup.html", context)
    context = {
        "form": LookupForm(),
        "booking": booking,
        "reference": booking.reference,
        "code": code,
        "can_cancel": booking.status == BookingStatus.BOOKED,
        "notice": notice,
        "error": error,
    }
    return render(request, "outreach/lookup.html", context)


# --- Staff pages --------------------------------------------------------------------------------


def _check(user: Any) -> None:
    if not user_can(user, Action.OUTREACH_MANAGE):
        raise PermissionDenied(_("您没有权限管理四下基层工作。"))


@login_required
def day_list_view(request: HttpRequest) -> HttpResponse:
    """Reception days of my organisations: upcoming (default) or past, with bookings taken."""
    _check(request.user)
    past = request.GET.get("when") == "past"
    page = _page(request, selectors.day_list(user=request.user, upcoming=not past))
    return render(request, "outreach/staff/days.html", {"page": page, "days": page.object_list, "past": past})


@login_required
@require_http_methods(["GET", "POST"])
def day_new_view(request: HttpRequest) -> HttpResponse:
    _check(request.user)
    form = ReceptionDayForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            day = services.reception_day_create(
                actor=request.user,
                organisation=data["organisation"],
                data=services.ReceptionDayData(
                    leader_name=data["leader_name"],
                    leader_title=data["leader_title"],
                    place=data["place"],
                    date=data["date"],
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    capacity=data["capacity"],
                    topic=data["topic"],
                    reception_point=data["reception_point"],
                ),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("接访日已保存，公布后群众即可预约。"))
            return redirect("outreach:day_detail", day.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/staff/day_form.html", {"form": form}, status=status)


@login_required
def day_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request.user)
    day = selectors.day_detail(user=request.user, pk=pk)
    if day is None:
        raise Http404(_("未找到该接访日。"))
    bookings = selectors.day_bookings(day)
    return render(request, "outreach/staff/day_detail.html", {"day": day, "bookings": bookings, "marks": MARKS})


@login_required
@require_POST
def day_publish_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    _check(request.user)
    day = selectors.day_detail(user=request.user, pk=pk)
    if day is None:
        raise Http404(_("未找到该接访日。"))
    publish = request.POST.get("publish") != "0"
    try:
        services.reception_day_publish(actor=request.user, day=day, published=publish)
        messages.success(request, _("接访日已公布。") if publish else _("接访日已撤回，不再接受预约。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("outreach:day_detail", day.pk)


@login_required
@require_POST
def booking_mark_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    _check(request.user)
    booking = Booking.objects.restrict(request.user, Action.OUTREACH_MANAGE).filter(pk=pk).first()
    if booking is None:
        raise Http404(_("未找到该预约。"))
    try:
        services.booking_mark(actor=request.user, booking=booking, status=request.POST.get("status", ""))
        messages.success(request, _("已登记。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("outreach:day_detail", booking.reception_day_id)


@login_required
def visit_list_view(request: HttpRequest) -> HttpResponse:
    """Visits to the places I manage, newest first, over a chosen period."""
    _check(request.user)
    period = PeriodForm(request.GET or None)
    date_from = date_to = None
    if request.GET and period.is_valid():
        date_from, date_to = period.cleaned_data.get("date_from"), period.cleaned_data.get("date_to")
    page = _page(request, selectors.visit_list(user=request.user, date_from=date_from, date_to=date_to))
    return render(request, "outreach/staff/visits.html", {"page": page, "visits": page.object_list, "period": period})


@login_required
@require_http_methods(["GET", "POST"])
def visit_new_view(request: HttpRequest) -> HttpResponse:
    """Record a visit (phone-sized form): the cadre is the user."""
    _check(request.user)
    form = VisitForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        items = [
            services.ItemData(
                r["description"], raised_by=r["raised_by"], raised_by_phone=r["phone"], resolution=r["resolution"]
            )
            for r in form.items()
        ]
        try:
            visit = services.visit_record(
                actor=request.user,
                cadre=request.user,
                organisation=data["organisation"],
                data=services.VisitData(
                    kind=data["kind"],
                    date=data["date"],
                    people_met=data["people_met"],
                    place_text=data["place_text"],
                    notes=data["notes"],
                    items=items,
                ),
            )
        except ValidationError as exc:
            put_errors(form, _item_errors(exc))
        else:
            messages.success(request, _("走访已记录。"))
            return redirect("outreach:visit_detail", visit.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outreach/staff/visit_form.html", {"form": form}, status=status)


def _item_errors(exc: ValidationError) -> ValidationError:
    """The service names item errors "items[0]"; the form's fields are "item1_description"."""
    if not hasattr(exc, "error_dict"):
        return exc
    mapped: dict[str, Any] = {}
    for name, errors in exc.error_dict.items():
        if name.startswith("items["):
            name = f"item{int(name[6:-1]) + 1}_description"
        mapped[name] = errors
    return ValidationError(mapped)


ITEM_FORMS: dict[str, Any] = {
    "resolve": ResolveForm,
    "to-petition": ToPetitionForm,
    "to-grid-event": ToGridEventForm,
    "to-mediation": ToMediationForm,
}


PREFIXES = {"resolve": "resolve", "to-petition": "petition", "to-grid-event": "grid", "to-mediation": "mediation"}


def _item_actions(user: Any, visit: Any) -> list[str]:
    """The actions this user may take on this visit's open items (the receiving app checks again)."""
    place = visit.organisation
    manages = user_can(user, Action.OUTREACH_MANAGE, place)
    actions = ["resolve"] if manages else []
    if (manages or user_can(user, Action.MATTER_REGISTER, place)) and user_can(user, Action.MATTER_REGISTER):
        actions.append("to-petition")
    if (manages or user_can(user, Action.GRID_EVENT_REPORT, place)) and user_can(user, Action.GRID_EVENT_REPORT):
        actions.append("to-grid-event")
    if (manages or user_can(user, Action.MEDIATION_HANDLE, place)) and user_can(user, Action.MEDIATION_HANDLE):
        actions.append("to-mediation")
    return actions


def _item_form(action: str, user: Any, item: Any, data: Any = None) -> Any:
    """The form of one action on one item (its own prefix, so that ids stay unique on the page)."""
    prefix = f"{PREFIXES[action]}-{item.pk}"
    if action == "resolve":
        return ResolveForm(data, prefix=prefix)
    initial = {}
    if action == "to-grid-event" and item.visit.organisation.kind == "grid":
        initial = {"grid": item.visit.organisation_id}
    if action == "to-mediation":
        initial = {"applicant": item.raised_by, "applicant_phone": item.raised_by_phone}
    return ITEM_FORMS[action](data, prefix=prefix, user=user, initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A visit, its items and what became of them; add an item (POST)."""
    visit = selectors.visit_detail(user=request.user, pk=pk)
    if visit is None:
        if not any(user_can(request.user, a) for a in selectors.ITEM_ACTIONS):
            raise PermissionDenied(_("您没有权限管理四下基层工作。"))
        raise Http404(_("未找到该走访记录。"))
    can_manage = user_can(request.user, Action.OUTREACH_MANAGE, visit.organisation)
    item_form = ItemForm(request.POST or None, prefix="item")
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("您没有权限管理四下基层工作。"))
        if item_form.is_valid():
            try:
                services.visit_item_add(
                    actor=request.user, visit=visit, data=services.ItemData(**item_form.cleaned_data)
                )
            except ValidationError as exc:
                put_errors(item_form, exc)
            else:
                messages.success(request, _("已添加反映事项。"))
                return redirect("outreach:visit_detail", visit.pk)
        status = 400
    items = list(selectors.visit_items(visit))
    actions = _item_actions(request.user, visit)
    for item in items:
        item.visit = visit
        item.action_forms = (  # type: ignore[attr-defined]
            [(a, _item_form(a, request.user, item)) for a in actions] if item.outcome == ItemOutcome.OPEN else []
        )
    context = {
        "visit": visit,
        "items": items,
        "item_form": item_form,
        "can_manage": can_manage,
    }
    return render(request, "outreach/staff/visit_detail.html", context, status=status)


@login_required
@require_POST
def item_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    """One action on an item: resolve, to-petition, to-grid-event, to-mediation (each a service)."""
    item = VisitItem.objects.select_related("visit__organisation").filter(pk=pk).first()
    if item is None or action not in ITEM_FORMS or selectors.visit_detail(user=request.user, pk=item.visit_id) is None:
        raise Http404(_("未找到该反映事项。"))
    back = reverse("outreach:visit_detail", args=[item.visit_id])
    form = _item_form(action, request.user, item, request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        if action == "resolve":
            services.visit_item_resolve(actor=request.user, item=item, resolution=data["resolution"])
            messages.success(request, _("已记录当场化解。"))
        elif action == "to-petition":
            matter = services.visit_item_to_petition(
                actor=request.user, item=item, organisation=data["organisation"], title=data["title"]
            )
            messages.success(request, _("已登记为信访事项 %(number)s。") % {"number": matter.number})
        elif action == "to-grid-event":
            event = services.visit_item_to_grid_event(actor=request.user, item=item, grid=data["grid"])
            messages.success(request, _("已转为网格事件 %(number)s。") % {"number": event.number})
        else:
            from xinfang.mediation.services import PartyData

            parties = [PartyData(data["applicant"], "applicant", phone=data["applicant_phone"])]
            if data["respondent"]:
                parties.append(PartyData(data["respondent"], "respondent"))
            case = services.visit_item_to_mediation(
                actor=request.user,
                item=item,
                organisation=data["organisation"],
                parties=parties,
                consent_recorded=data["consent_recorded"],
                category=data["category"],
            )
            messages.success(request, _("已转为调解案件 %(number)s。") % {"number": case.number})
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有权限进行此操作。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)


@login_required
@require_http_methods(["GET", "POST"])
def assignment_list_view(request: HttpRequest) -> HttpResponse:
    """包联 assignments of the places I manage, and a form to add one."""
    _check(request.user)
    form = AssignmentForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                assignment = services.assignment_create(
                    actor=request.user,
                    cadre=data["cadre"],
                    organisation=data["organisation"],
                    start=data["start"],
                    end=data["end"],
                    note=data["note"],
                )
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, _("包联安排已保存，请设置走访计划。"))
                return redirect("outreach:plan", assignment.pk)
        status = 400
    page = _page(request, selectors.assignment_list(user=request.user))
    context = {"page": page, "assignments": page.object_list, "form": form}
    return render(request, "outreach/staff/assignments.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def plan_view(request: HttpRequest, pk: int) -> HttpResponse:
    _check(request.user)
    assignment = (
        Assignment.objects.restrict(request.user, Action.OUTREACH_MANAGE)
        .select_related("cadre", "organisation", "plan")
        .filter(pk=pk)
        .first()
    )
    if assignment is None:
        raise Http404(_("未找到该包联安排。"))
    plan = getattr(assignment, "plan", None)
    initial = {
        "visits_per_month": plan.visits_per_month if plan else 0,
        "dates": ", ".join(f"{d:%Y-%m-%d}" for d in selectors.plan_dates(assignment)),
    }
    form = PlanForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.plan_set(
                    actor=request.user,
                    assignment=assignment,
                    visits_per_month=form.cleaned_data["visits_per_month"],
                    dates=form.cleaned_data["dates"],
                )
            except ValidationError as exc:
                put_errors(form, exc)
            else:
                messages.success(request, _("走访计划已保存。"))
                return redirect("outreach:assignments")
        status = 400
    return render(request, "outreach/staff/plan.html", {"assignment": assignment, "form": form}, status=status)


@login_required
def figures_view(request: HttpRequest) -> HttpResponse:
    """Per cadre and per village over a period (default: this month to today)."""
    _check(request.user)
    period = PeriodForm(request.GET or None)
    date_from, date_to = period.period()
    result = selectors.figures(user=request.user, date_from=date_from, date_to=date_to)
    return render(request, "outreach/staff/figures.html", {"period": period, "figures": result})
