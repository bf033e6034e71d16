"""Staff pages of supervision and accountability: orders (督办), referrals to discipline inspection,
accountability records and the joint conference. Each list has filters and a page per row with a
form per action (each a service call). Without the action anywhere: 403; a row outside the user's
scope (or about the user, XF-CLS-03): 404."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.accounts.models import User
from xinfang.accounts.policies import organisation_scope, user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.orgs.models import Function, Kind, Organisation
from xinfang.petitions.models import Matter

from . import policies, selectors, services
from .forms import (
    AnswerForm,
    AppointmentForm,
    CloseForm,
    DecisionForm,
    EscalateForm,
    FeedbackForm,
    FollowUpForm,
    MeetingForm,
    NoticeForm,
    ObjectionForm,
    OrderFilterForm,
    OrderForm,
    RecordFilterForm,
    RecordForm,
    ReferralFilterForm,
    ReferralForm,
    ReopenForm,
)
from .models import MeetingDecision
from .states import NoticeStage

PAGE_SIZE = 50
NUMBER_SPLIT = re.compile(r"[,，、;；\s]+")


def _deny_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _get(fetch: Callable[[], Any], message: str) -> Any:
    try:
        return fetch()
    except ObjectDoesNotExist:
        raise Http404(message) from None


def _scope_orgs(user: Any, action: str) -> QuerySet[Organisation]:
    """Active organisations of this district in the user's scope for `action` (no grids)."""
    scope = organisation_scope(user, action)
    qs = Organisation.objects.filter(is_active=True, is_external=False).exclude(kind=Kind.GRID)
    if not scope.everything:
        qs = qs.filter(pk__in=scope.organisation_ids())
    return qs.order_by("path")


def _member_orgs(user: Any, action: str) -> QuerySet[Organisation]:
    """The organisations of the user's memberships where they hold `action` (the issuing organ)."""
    ids = [
        m.organisation_id
        for m in user.memberships.filter(is_active=True).select_related("organisation")
        if user_can(user, action, m.organisation)
    ]
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def _matter_from(request: HttpRequest) -> Matter | None:
    pk = request.GET.get("matter") or request.POST.get("matter")
    if not pk or not str(pk).isdigit():
        return None
    return _get(
        lambda: Matter.objects.restrict(request.user, Action.MATTER_VIEW).select_related("current_org").get(pk=pk),
        _("未找到该信访事项。"),
    )


def _page(request: HttpRequest, queryset: Any) -> Any:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _filtered_list(
    request: HttpRequest, form: Any, fetch: Callable[..., Any], template: str, **extra: Any
) -> HttpResponse:
    """A list page: the filter form's values passed to the selector, paginated."""
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = _page(request, fetch(user=request.user, **filters))
    return render(request, template, {"form": form, "page": page, "items": list(page.object_list), **extra})


def _form_page(request: HttpRequest, form: Any, title: str, back: str, subtitle: str = "") -> HttpResponse:
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "title": title, "subtitle": subtitle, "back": back if "/" in back else reverse(back)}
    return render(request, "supervision/form.html", context, status=status)


# --- Orders ----------------------------------------------------------------------------------------


@login_required
def order_list_view(request: HttpRequest) -> HttpResponse:
    _deny_unless(policies.may_view_orders(request.user), _("您没有权限查看督办。"))
    return _filtered_list(
        request,
        OrderFilterForm(request.GET or None),
        selectors.order_list,
        "supervision/order_list.html",
        can_open=policies.may_supervise(request.user),
    )


@login_required
def order_create_view(request: HttpRequest) -> HttpResponseBase:
    _deny_unless(policies.may_supervise(request.user), _("您没有督办权限。"))
    matter = _matter_from(request)
    targets = _scope_orgs(request.user, Action.MATTER_SUPERVISE)
    if matter is not None:
        targets = targets.filter(pk__in=services.matter_orgs(matter))
    initial = {"target_org": matter.current_org_id} if matter else {}
    form = OrderForm(
        request.POST or None,
        initial=initial,
        issuers=_member_orgs(request.user, Action.MATTER_SUPERVISE),
        targets=targets,
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = services.order_open(actor=request.user, matter=matter, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已发出督办，督办单已生成。"))
            return redirect("supervision:order_detail", pk=order.pk)
    subtitle = f"{matter.number} {matter.title}" if matter else ""
    return _form_page(request, form, _("发起督办"), "supervision:orders", subtitle)


@login_required
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_unless(policies.may_view_orders(request.user), _("您没有权限查看督办。"))
    order = _get(lambda: selectors.order_get(user=request.user, pk=pk), _("未找到该督办。"))
    context = {
        "o": order,
        "actions": policies.order_actions(request.user, order),
        "escalations": list(order.escalations.all()),
    }
    return render(request, "supervision/order_detail.html", context)


ORDER_ACTIONS: dict[str, tuple[type, Callable[[], str], Callable[[], str]]] = {
    "answer": (AnswerForm, lambda: _("书面反馈"), lambda: _("已反馈。")),
    "close": (CloseForm, lambda: _("办结督办"), lambda: _("已办结。")),
    "reopen": (ReopenForm, lambda: _("不予认可，重新督办"), lambda: _("已重新督办。")),
    "escalate": (EscalateForm, lambda: _("提级挂牌督办"), lambda: _("已提级挂牌督办。")),
}


@login_required
def order_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    if action not in ORDER_ACTIONS:
        raise Http404
    _deny_unless(policies.may_view_orders(request.user), _("您没有权限查看督办。"))
    order = _get(lambda: selectors.order_get(user=request.user, pk=pk), _("未找到该督办。"))
    if action not in policies.order_actions(request.user, order):
        raise PermissionDenied(_("现在不能对该督办执行此操作。"))
    form_class, title, done = ORDER_ACTIONS[action]
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        calls: dict[str, Callable[[], Any]] = {
            "answer": lambda: services.order_answer(actor=request.user, order=order, **d),
            "close": lambda: services.order_close(actor=request.user, order=order, **d),
            "reopen": lambda: services.order_reopen(actor=request.user, order=order, **d),
            "escalate": lambda: services.order_escalate(actor=request.user, order=order, **d),
        }
        try:
            result = calls[action]()
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, done())
            return redirect("supervision:order_detail", pk=result.pk)
    back = reverse("supervision:order_detail", args=[order.pk])
    return _form_page(request, form, title(), back, f"{order.number} · {order.target_org.name}")


# --- Referrals -------------------------------------------------------------------------------------


@login_required
def referral_list_view(request: HttpRequest) -> HttpResponse:
    _deny_unless(policies.may_manage_accountability(request.user), _("您没有权限查看移送纪检监察。"))
    return _filtered_list(
        request, ReferralFilterForm(request.GET or None), selectors.referral_list, "supervision/referral_list.html"
    )


@login_required
def referral_create_view(request: HttpRequest) -> HttpResponseBase:
    _deny_unless(policies.may_manage_accountability(request.user), _("您没有权限移送纪检监察。"))
    matter = _matter_from(request)
    if matter is None:
        raise Http404(_("请从信访事项页面发起移送。"))
    bodies = Organisation.objects.filter(function=Function.DISCIPLINE, is_active=True).order_by("path")
    form = ReferralForm(
        request.POST or None, senders=_member_orgs(request.user, Action.ACCOUNTABILITY_MANAGE), bodies=bodies
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(actor=request.user, matter=matter, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已移送纪检监察机关，案卷已封存。"))
            return redirect("supervision:referral_detail", pk=referral.pk)
    return _form_page(request, form, _("移送纪检监察机关"), "supervision:referrals", f"{matter.number} {matter.title}")


@login_required
def referral_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_unless(policies.may_manage_accountability(request.user), _("您没有权限查看移送纪检监察。"))
    referral = _get(lambda: selectors.referral_get(user=request.user, pk=pk), _("未找到该移送。"))
    context = {
        "r": referral,
        "actions": policies.referral_actions(request.user, referral),
        "feedback_form": FeedbackForm(),
        "notice_form": NoticeForm(),
        "objection_form": ObjectionForm(),
        "objections": list(referral.objections.all()),
    }
    return render(request, "supervision/referral_detail.html", context)


@login_required
@require_POST
def referral_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    _deny_unless(policies.may_manage_accountability(request.user), _("您没有权限查看移送纪检监察。"))
    referral = _get(lambda: selectors.referral_get(user=request.user, pk=pk), _("未找到该移送。"))
    if action not in policies.referral_actions(request.user, referral):
        raise Http404
    try:
        if action == "verify":
            result = services.referral_verify(actor=request.user, referral=referral)
            if result.sealed_ok:
                messages.success(request, _("校验通过：案卷内容与封存哈希一致。"))
            else:
                messages.error(request, _("校验未通过：案卷内容与封存哈希不一致！"))
            if not result.unchanged:
                messages.info(request, _("信访事项在移送后有新的办理记录或材料。"))
        elif action == "receive":
            services.referral_receive(actor=request.user, referral=referral)
            messages.success(request, _("已登记接收。"))
        elif action in ("notify_acceptance", "notify_result"):
            notice = NoticeForm(request.POST)
            if not notice.is_valid():
                messages.error(request, _("请填写告知内容。"))
            else:
                stage = NoticeStage.ACCEPTANCE if action == "notify_acceptance" else NoticeStage.RESULT
                services.referral_notify_reporter(
                    actor=request.user, referral=referral, stage=stage, **notice.cleaned_data
                )
                messages.success(request, _("已登记告知。"))
        elif action == "objection":
            objection = ObjectionForm(request.POST)
            if not objection.is_valid():
                messages.error(request, _("请填写异议内容和解释说明。"))
            else:
                services.referral_objection_record(actor=request.user, referral=referral, **objection.cleaned_data)
                messages.success(request, _("已登记异议。"))
        else:
            form = FeedbackForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("请选择处置方式并填写反馈结果。"))
            else:
                services.referral_feedback(actor=request.user, referral=referral, **form.cleaned_data)
                messages.success(request, _("已登记反馈结果。"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("supervision:referral_detail", pk=referral.pk)


# --- Accountability records ------------------------------------------------------------------------


@login_required
def record_list_view(request: HttpRequest) -> HttpResponse:
    _deny_unless(policies.may_view_accountability(request.user), _("您没有权限查看追责问责记录。"))
    return _filtered_list(
        request,
        RecordFilterForm(request.GET or None),
        selectors.record_list,
        "supervision/record_list.html",
        can_record=policies.may_manage_accountability(request.user),
    )


@login_required
def record_create_view(request: HttpRequest) -> HttpResponseBase:
    _deny_unless(policies.may_manage_accountability(request.user), _("您没有权限登记追责问责记录。"))
    matter = _matter_from(request)
    form = RecordForm(
        request.POST or None,
        recorders=_member_orgs(request.user, Action.ACCOUNTABILITY_MANAGE),
        subjects=_scope_orgs(request.user, Action.ACCOUNTABILITY_MANAGE),
    )
    if request.method == "POST" and form.is_valid():
        try:
            record = services.accountability_record(actor=request.user, matter=matter, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已登记追责问责记录。"))
            return redirect("supervision:record_detail", pk=record.pk)
    return _form_page(request, form, _("登记追责问责记录"), "supervision:records")


@login_required
def record_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_unless(policies.may_view_accountability(request.user), _("您没有权限查看追责问责记录。"))
    record = _get(lambda: selectors.record_get(user=request.user, pk=pk), _("未找到该记录。"))
    return render(request, "supervision/record_detail.html", {"r": record})


# --- Joint conference ------------------------------------------------------------------------------


@login_required
def meeting_list_view(request: HttpRequest) -> HttpResponse:
    _deny_unless(policies.may_manage_conference(request.user), _("您没有权限查看联席会议。"))
    year = request.GET.get("year", "")
    page = _page(request, selectors.meeting_list(user=request.user, year=int(year) if year.isdigit() else None))
    return render(
        request, "supervision/meeting_list.html", {"page": page, "items": list(page.object_list), "year": year}
    )


def _matters_by_number(user: Any, text: str) -> list[Matter]:
    numbers = [n for n in NUMBER_SPLIT.split(text or "") if n]
    if not numbers:
        return []
    found = list(Matter.objects.restrict(user, Action.MATTER_VIEW).filter(number__in=numbers))
    if len(found) != len(set(numbers)):
        raise ValidationError({"matter_numbers": _("有的信访事项编号不存在或您无权查看。")})
    return found


@login_required
def meeting_create_view(request: HttpRequest) -> HttpResponseBase:
    _deny_unless(policies.may_manage_conference(request.user), _("您没有权限管理联席会议。"))
    form = MeetingForm(request.POST or None, conveners=_member_orgs(request.user, Action.CONFERENCE_MANAGE))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            matters = _matters_by_number(request.user, data.pop("matter_numbers"))
            meeting = services.meeting_create(actor=request.user, matters=matters, **data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已登记联席会议。"))
            return redirect("supervision:meeting_detail", pk=meeting.pk)
    return _form_page(request, form, _("登记联席会议"), "supervision:meetings")


@login_required
def meeting_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    _deny_unless(policies.may_manage_conference(request.user), _("您没有权限查看联席会议。"))
    meeting = _get(lambda: selectors.meeting_get(user=request.user, pk=pk), _("未找到该会议。"))
    context = {
        "m": meeting,
        "decisions": list(meeting.decisions.all()),
        "attendee_orgs": list(meeting.attendee_orgs.all()),
        "matters": list(meeting.matters.all()),
    }
    return render(request, "supervision/meeting_detail.html", context)


@login_required
def decision_add_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    _deny_unless(policies.may_manage_conference(request.user), _("您没有权限管理联席会议。"))
    meeting = _get(lambda: selectors.meeting_get(user=request.user, pk=pk), _("未找到该会议。"))
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            found = _matters_by_number(request.user, data.pop("matter_number"))
            services.meeting_decision_add(
                actor=request.user, meeting=meeting, matter=found[0] if found else None, **data
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已记录会议决定。"))
            return redirect("supervision:meeting_detail", pk=meeting.pk)
    return _form_page(request, form, _("记录会议决定"), "supervision:meetings", meeting.title)


@login_required
def decision_follow_up_view(request: HttpRequest, pk: int) -> HttpResponseBase:
    _deny_unless(policies.may_manage_conference(request.user), _("您没有权限管理联席会议。"))
    decision: MeetingDecision = _get(lambda: selectors.decision_get(user=request.user, pk=pk), _("未找到该决定。"))
    form = FollowUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_decision_follow_up(actor=request.user, decision=decision, **form.cleaned_data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已登记落实情况。"))
            return redirect("supervision:meeting_detail", pk=decision.meeting_id)
    return _form_page(request, form, _("登记落实情况"), "supervision:meetings", decision.text[:60])


# --- Supervisor appointments -----------------------------------------------------------------------


@login_required
def appointment_list_view(request: HttpRequest) -> HttpResponseBase:
    """Appointments of petition supervisors and the form to appoint one (`user.manage`)."""
    _deny_unless(user_can(request.user, Action.USER_MANAGE), _("您没有权限任命督查专员。"))
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        appointee = User.objects.filter(username=data.pop("username")).first()
        try:
            if appointee is None:
                raise ValidationError({"username": _("没有这个用户。")})
            services.appointment_create(actor=request.user, user=appointee, **data)
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("已任命督查专员。"))
            return redirect("supervision:appointments")
    page = _page(request, selectors.appointment_list(user=request.user))
    context = {"form": form, "page": page, "items": list(page.object_list)}
    return render(request, "supervision/appointments.html", context, status=400 if form.errors else 200)
