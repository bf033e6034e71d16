"""Staff pages of 12345 work orders: the list (orders of my organisations with their clocks), one
order with the actions the user may take now, each a service call, and the audited view of the
caller's full details. An order the user may not see is a 404; a user without matter.view gets 403."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.petitions.selectors import due_soon_working_days
from xinfang.transfer.exports import Column, export_format, export_response, list_query
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.selectors import deadline_compute

from . import selectors, services
from .forms import CloseForm, DispatchForm, ExtendForm, ListFilterForm, MergeForm, ReasonForm, RehandleForm, ReplyForm
from .models import HotlineOrder
from .states import TRANSITIONS, WITH_DISPATCHER, WITH_HANDLER, Exclusion, OrderStatus

PAGE_SIZE = 50


def _check_viewer(user: Any) -> None:
    if not user_can(user, Action.MATTER_VIEW):
        raise PermissionDenied(_("您没有权限查看12345工单。"))


def _rows(items: list[HotlineOrder]) -> list[HotlineOrder]:
    """A page (or an export chunk) of orders with their running clocks (one query) and the
    caller's name masked."""
    clocks = selectors.order_clocks(items)
    for item in items:
        item.clocks = clocks.get(item.pk, [])  # type: ignore[attr-defined]
        item.caller_name_masked = selectors.caller_masked(item)[0]  # type: ignore[attr-defined]
    return items


def _clock_text(clock: selectors.ClockView) -> str:
    """A running clock as the list's badge says it (for exports)."""
    if clock.is_overdue:
        state = ngettext("逾期 %(days)s 天", "逾期 %(days)s 天", clock.days_overdue) % {"days": clock.days_overdue}
    elif clock.days_left == 0:
        state = _("今日到期")
    else:
        state = ngettext("剩 %(days)s 天", "剩 %(days)s 天", clock.days_left) % {"days": clock.days_left}
    text = f"{clock.label} {clock.due_date:%Y-%m-%d} · {state}"
    return f"{text} · {_('暂定')}" if clock.is_provisional else text


# The list as a download (?export=csv|xlsx): the page's columns; the caller masked as on the page.
EXPORT_COLUMNS = [
    Column(gettext_lazy("工单编号"), lambda o: o.external_id, 20),
    Column(gettext_lazy("来源系统"), lambda o: o.source_system),
    Column(gettext_lazy("受理时间"), lambda o: o.received_at, 18),
    Column(gettext_lazy("诉求类型"), lambda o: o.get_kind_display()),
    Column(gettext_lazy("分类"), lambda o: o.category),
    Column(gettext_lazy("诉求内容"), lambda o: o.content, 50),
    Column(gettext_lazy("不予受理情形"), lambda o: o.get_exclusion_display(), 20),
    Column(gettext_lazy("来电人"), lambda o: o.caller_name_masked),
    Column(gettext_lazy("状态"), lambda o: o.get_status_display()),
    Column(gettext_lazy("当前承办机构"), lambda o: o.current_org.local_name, 20),
    Column(gettext_lazy("信访事项编号"), lambda o: o.matter.number if o.matter_id else "", 18),
    Column(gettext_lazy("时限"), lambda o: [_clock_text(c) for c in o.clocks], 30),
]


@login_required
def order_list_view(request: HttpRequest) -> HttpResponseBase:
    """Orders of the user's organisations, newest first, with their running clocks; filter by
    status, by what is overdue or due soon, and by what the user's organisations hold now."""
    _check_viewer(request.user)
    form = ListFilterForm(list_query(request) or None)
    chosen = form.filters()
    today = timezone.localdate()
    due_by: datetime.date | None = None
    if chosen["due"] == "overdue":
        due_by = today - datetime.timedelta(days=1)
    elif chosen["due"] == "soon":
        due_by = deadline_compute(start=today, period=due_soon_working_days(), unit=Unit.WORKING).due_date
    queryset = selectors.order_list(user=request.user, status=chosen["status"], held=chosen["held"], due_by=due_by)
    if fmt := export_format(request):
        return export_response(
            request=request,
            rows=queryset,
            columns=EXPORT_COLUMNS,
            filename=_("12345热线工单"),
            fmt=fmt,
            prepare=_rows,
            invalid=form.is_bound and not form.is_valid(),
        )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    items = _rows(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "items": items, "query": query.urlencode()}
    return render(request, "hotline/list.html", context)


def _order(request: HttpRequest, pk: int) -> HotlineOrder:
    _check_viewer(request.user)
    try:
        return selectors.order_get(user=request.user, pk=pk)
    except HotlineOrder.DoesNotExist:
        raise Http404(_("未找到该工单。")) from None


def _may(user: Any, order: HotlineOrder, name: str) -> bool:
    """Whether to offer an action now (the service checks again)."""
    status = order.status
    if name == "dispatch":
        return status in WITH_DISPATCHER and user_can(user, Action.MATTER_TRIAGE, order.current_org)
    if name == "merge":
        return status in WITH_DISPATCHER and user_can(user, Action.MATTER_TRIAGE, order.current_org)
    if name == "rehandle":
        return (
            status == OrderStatus.REPLIED
            and order.rehandle_count < int(settings.XINFANG_HOTLINE_MAX_REHANDLES)
            and user_can(user, Action.MATTER_TRIAGE, order.receiving_org)
        )
    if name == "accept":
        return status == OrderStatus.DISPATCHED and user_can(user, Action.MATTER_HANDLE, order.current_org)
    if name in ("return", "object"):
        return status in (OrderStatus.DISPATCHED, OrderStatus.ACCEPTED) and user_can(
            user, Action.MATTER_HANDLE, order.current_org
        )
    if name == "extend":
        return status == OrderStatus.ACCEPTED and user_can(user, Action.MATTER_APPROVE, order.current_org)
    if name == "reply":
        if OrderStatus.REPLIED not in TRANSITIONS[status]:
            return False
        if status in WITH_HANDLER:
            return user_can(user, Action.MATTER_HANDLE, order.current_org)
        return status in WITH_DISPATCHER and user_can(user, Action.MATTER_TRIAGE, order.current_org)
    if name == "close":
        return status == OrderStatus.REPLIED and user_can(user, Action.MATTER_TRIAGE, order.receiving_org)
    if name == "to-petition":
        return order.matter_id is None and user_can(user, Action.MATTER_REGISTER, order.receiving_org)
    return False


def _detail_page(
    request: HttpRequest,
    order: HotlineOrder,
    forms: dict[str, Any] | None = None,
    *,
    caller: services.CallerData | None = None,
    status: int = 200,
) -> HttpResponse:
    forms = forms or {}
    user = request.user
    offered: dict[str, Any] = {}
    if _may(user, order, "dispatch"):
        offered["dispatch"] = forms.get("dispatch") or DispatchForm(targets=services.dispatch_targets(order))
    if _may(user, order, "accept"):
        offered["accept"] = True
    if _may(user, order, "return"):
        offered["return"] = forms.get("return") or ReasonForm(prefix="return")
        offered["object"] = forms.get("object") or ReasonForm(prefix="object")
    if _may(user, order, "extend"):
        offered["extend"] = forms.get("extend") or ExtendForm()
    if _may(user, order, "reply"):
        offered["reply"] = forms.get("reply") or ReplyForm()
    if _may(user, order, "close"):
        offered["close"] = forms.get("close") or CloseForm()
    if _may(user, order, "rehandle"):
        offered["rehandle"] = forms.get("rehandle") or RehandleForm()
    if _may(user, order, "merge") and (candidates := services.merge_candidates(order)):
        offered["merge"] = forms.get("merge") or MergeForm(candidates=candidates)
    if _may(user, order, "to-petition"):
        offered["to_petition"] = True
    name_masked, phone_masked = selectors.caller_masked(order)
    context = {
        "o": order,
        "actions": offered,
        "clocks": selectors.order_clocks([order], include_stopped=True).get(order.pk, []),
        "history": selectors.order_history(order),
        "caller_name_masked": name_masked,
        "caller_phone_masked": phone_masked,
        "caller": caller,
        "can_view_caller": services.caller_data_can_view(user=user, order=order),
        "exclusion_label": Exclusion(order.exclusion).label if order.exclusion else "",
        "merged_orders": list(selectors.order_visible(user).filter(merged_into=order).only("pk", "external_id")),
    }
    return render(request, "hotline/detail.html", context, status=status)


@login_required
def order_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _order(request, pk))


ACTIONS: dict[str, tuple[Any, Callable[[Any, HotlineOrder, dict[str, Any]], Any]]] = {
    "dispatch": (
        DispatchForm,
        lambda actor, o, d: services.order_dispatch(actor=actor, order=o, to_org=d["to_org"], note=d["note"]),
    ),
    "accept": (None, lambda actor, o, d: services.order_accept(actor=actor, order=o)),
    "return": (ReasonForm, lambda actor, o, d: services.order_return(actor=actor, order=o, reason=d["reason"])),
    "object": (ReasonForm, lambda actor, o, d: services.order_object(actor=actor, order=o, reason=d["reason"])),
    "extend": (
        ExtendForm,
        lambda actor, o, d: services.order_extend(actor=actor, order=o, days=d["days"], reason=d["reason"]),
    ),
    "reply": (ReplyForm, lambda actor, o, d: services.order_reply(actor=actor, order=o, result=d["result"])),
    "close": (
        CloseForm,
        lambda actor, o, d: services.order_close(actor=actor, order=o, evaluation=d["evaluation"], note=d["note"]),
    ),
    "to-petition": (None, lambda actor, o, d: services.order_to_petition(actor=actor, order=o)),
    "merge": (
        MergeForm,
        lambda actor, o, d: services.order_merge(actor=actor, order=o, into=d["into"], reason=d["reason"]),
    ),
    "rehandle": (
        RehandleForm,
        lambda actor, o, d: services.order_rehandle(actor=actor, order=o, reason=d["reason"], note=d["note"]),
    ),
}
DONE_MESSAGES = {
    "dispatch": lambda: _("已派单。"),
    "accept": lambda: _("已签收。"),
    "return": lambda: _("已退单，工单已退回派单机构。"),
    "object": lambda: _("已提出派单异议，工单已退回派单机构审核。"),
    "extend": lambda: _("已延期。"),
    "reply": lambda: _("已答复，等待回访。"),
    "close": lambda: _("已回访办结。"),
    "to-petition": lambda: _("已转为信访事项。"),
    "merge": lambda: _("已并单。"),
    "rehandle": lambda: _("已退回重办。"),
}


def _form(action: str, form_class: Any, order: HotlineOrder, data: Any) -> Any:
    if form_class is None:
        return None
    if form_class is DispatchForm:
        return DispatchForm(data, targets=services.dispatch_targets(order))
    if form_class is ReasonForm:
        return ReasonForm(data, prefix=action)
    if form_class is MergeForm:
        return MergeForm(data, candidates=services.merge_candidates(order))
    return form_class(data)


@login_required
@require_POST
def order_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on an order: 404 unless the user may see it, then the service (which checks the
    right to act and the state)."""
    if action not in ACTIONS:
        raise Http404
    order = _order(request, pk)
    form_class, call = ACTIONS[action]
    form = _form(action, form_class, order, request.POST)
    if form is not None and not form.is_valid():
        return _detail_page(request, order, {action: form}, status=400)
    try:
        call(request.user, order, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        fields = set(getattr(exc, "error_dict", {}))
        if form is None or not fields & set(form.fields):
            # A rule refused the action (a state changed meanwhile, the return window closed …).
            messages.error(request, " ".join(exc.messages))
            return redirect("hotline:detail", pk=pk)
        put_errors(form, exc)
        return _detail_page(request, order, {action: form}, status=400)
    messages.success(request, DONE_MESSAGES[action]())
    if not selectors.order_visible(request.user).filter(pk=pk).exists():
        return redirect(reverse("hotline:list"))  # dispatched out of the user's sight
    return redirect(reverse("hotline:detail", args=[pk]))


@never_cache
@login_required
@require_POST
def order_caller_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The caller's full name and phone on the order's page (personal_data.view; audited)."""
    order = _order(request, pk)
    caller = services.order_caller_view(actor=request.user, order=order)
    return _detail_page(request, order, caller=caller)
