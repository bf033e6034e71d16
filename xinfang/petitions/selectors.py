"""Reads of petition matters for the staff workbench: the inbox tabs and their counts, the list
with its clock badges, and one matter with everything its page shows.

Every read starts from `Matter.objects.restrict(user, "matter.view")` (registered or current
organisation in scope, minus reports on the reader, XF-CLS-03). Clocks are named by strings
(workcalendar imports no workflow app), so a matter's clocks are joined by casting the clock's
`object_id` to an integer inside the database, which works the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import BigIntegerField, Count, Prefetch, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.policies import OrganisationScope, organisation_scope
from xinfang.accounts.roles import Action
from xinfang.audit.models import AuditEvent
from xinfang.audit.selectors import audit_history_of_visible
from xinfang.workcalendar.choices import Unit
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import clock_list_for_object, deadline_compute

from .models import Attachment, Matter, MatterLink, MatterParticipant, Routing
from .services.common import OBJECT_TYPE
from .states import (
    CLOCK_ASSIGN_REPORT,
    CLOCK_FOLLOW_UP,
    CLOCK_HANDLING,
    CLOCK_NOTICE,
    CLOCK_OBJECTION,
    CLOCK_REREVIEW,
    CLOCK_REREVIEW_WINDOW,
    CLOCK_REVIEW,
    CLOCK_REVIEW_ACCEPT,
    CLOCK_REVIEW_WINDOW,
    CLOCK_SIMPLE_ACCEPT,
    CLOCK_SIMPLE_HANDLING,
    CLOCK_TRIAGE,
    PetitionerKind,
    RoutingOutcome,
    Status,
)

PAGE_SIZE = 25
DUE_SOON_DEFAULT_WORKING_DAYS = 3
ROUTING_OBJECT_TYPE = "petitions.routing"
NOTICE_OBJECT_TYPE = "petitions.notice"


# --- Labels ------------------------------------------------------------------------------------

# Audit action codes shown on a matter's timeline. Codes not listed here show as they are.
ACTION_LABELS: dict[str, Promise] = {
    "matter.register": _("登记"),
    "matter.triage": _("分流（三个区分）"),
    "matter.forward": _("转送"),
    "matter.assign": _("交办"),
    "matter.accept": _("受理"),
    "matter.not_accept": _("不予受理"),
    "matter.guide": _("告知向有权机关提出"),
    "matter.merge": _("并入已有事项"),
    "matter.flag_urgent": _("标记为重大紧急事项"),
    "matter.link": _("关联事项"),
    "matter.return": _("异议成立，退回重新分流"),
    "routing.receive": _("登记收到时间"),
    "routing.accept": _("承办单位受理"),
    "routing.object": _("承办单位提出异议"),
    "routing.objection_decide": _("处理异议"),
    "notice.give": _("书面告知"),
    "clock.start": _("开始计时"),
    "clock.stop": _("停止计时"),
    "clock.recompute": _("重新计算期限"),
    "personal_data.view": _("查看完整个人信息"),
    "matter.attachment_add": _("添加附件"),
    "matter.correct_received_at": _("更正收到时间"),
    "clock.correct_start": _("更正期限起算日"),
    # Handling (issue 4): XF-CLS-*, XF-OPN-*, XF-DL-*, XF-REV-*, XF-END-*, XF-SAT-*.
    "matter.classify": _("依法分类处理"),
    "matter.procedure": _("设置办理程序"),
    "matter.record": _("办理记录"),
    "matter.extension_request": _("申请延期办理"),
    "matter.extension_approve": _("批准延期办理"),
    "matter.extension_refuse": _("不予批准延期"),
    "matter.opinion": _("出具信访处理意见书"),
    "matter.opinion_deliver": _("送达意见书"),
    "matter.mediation_refer": _("移交调解"),
    "matter.mediation_result": _("调解结果"),
    "matter.conclude": _("办结"),
    "matter.terminate": _("终结"),
    "matter.withdraw": _("信访人撤回"),
    "matter.follow_up_create": _("安排后续工作"),
    "matter.follow_up_close": _("完成后续工作"),
    "matter.evaluate": _("满意度评价"),
    "matter.review_request": _("请求复查"),
    "matter.rereview_request": _("请求复核"),
    "matter.review_refuse": _("复查请求逾期，不予受理"),
    "matter.rereview_refuse": _("复核请求逾期，不予受理"),
    "matter.review_decide": _("出具复查意见书"),
    "matter.rereview_decide": _("出具复核意见书"),
    "matter.review_accept": _("受理复查请求"),
    "matter.rereview_accept": _("受理复核请求"),
    "clock.extension": _("延长期限"),
    "clock.pause": _("期限中止计算（听证）"),
    "document.issue": _("出具文书"),
    "document.deliver": _("送达文书"),
}

# Clock kinds of the deadline table (regulations.md §8) as the matter page names them.
CLOCK_KIND_LABELS: dict[str, Promise] = {
    CLOCK_TRIAGE: _("转送交办期限（15日，D1）"),
    CLOCK_NOTICE: _("书面告知期限（15日，D2）"),
    CLOCK_OBJECTION: _("异议期限（5个工作日，D4）"),
    CLOCK_ASSIGN_REPORT: _("交办办结报告期限（D5）"),
    "recipient_notice_15d": _("承办单位书面告知期限（15日，D3）"),
    CLOCK_HANDLING: _("办理期限（60日，D6）"),
    CLOCK_SIMPLE_ACCEPT: _("简易办理受理期限（3个工作日，D15）"),
    CLOCK_SIMPLE_HANDLING: _("简易办理期限（10个工作日，D16）"),
    CLOCK_REVIEW_WINDOW: _("请求复查期限（30日，D8）"),
    CLOCK_REVIEW: _("复查期限（30日，D9）"),
    CLOCK_REREVIEW_WINDOW: _("请求复核期限（30日，D10）"),
    CLOCK_REREVIEW: _("复核期限（30日，D11）"),
    CLOCK_REVIEW_ACCEPT: _("复查复核请求受理期限（D13）"),
    CLOCK_FOLLOW_UP: _("后续工作期限"),
}


def action_label(code: str) -> str:
    """The translated label of an audit action code, or the code itself."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def clock_kind_label(kind: str) -> str:
    """The translated label of a clock kind, or the kind itself."""
    label = CLOCK_KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


# --- Masking -----------------------------------------------------------------------------------
# Lists show personal data masked; the full record is on the petitioner's page, for roles holding
# personal_data.view, and each full view is logged there (issue 3, "Bad input and abuse"). ID numbers
# and phones are masked by `services.personal_data`; names here.


def mask_name(name: str) -> str:
    """张三 -> 张*, 欧阳娜娜 -> 欧***: the first character and at most three stars."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, min(len(name) - 1, 3))


def petitioner_display_name(petitioner: Any) -> str:
    """A person's name masked; an organisation's name is not personal data and stays whole."""
    if petitioner.kind == PetitionerKind.ORGANISATION:
        return str(petitioner.name)
    return mask_name(petitioner.name)


# --- Clocks ------------------------------------------------------------------------------------


def due_soon_working_days() -> int:
    """How many working days ahead "due soon" looks (settings.XINFANG_WORKBENCH_DUE_SOON_WORKING_DAYS)."""
    return int(getattr(settings, "XINFANG_WORKBENCH_DUE_SOON_WORKING_DAYS", DUE_SOON_DEFAULT_WORKING_DAYS))


@dataclass(frozen=True)
class ClockWindow:
    """Today and the last day counted as "due soon" (N working days ahead, on the working calendar)."""

    today: datetime.date
    soon_until: datetime.date


def clock_window(*, today: datetime.date | None = None, working_days: int | None = None) -> ClockWindow:
    """The due-soon window from today. Working days come from the calendar, never date arithmetic."""
    today = today or timezone.localdate()
    days = due_soon_working_days() if working_days is None else working_days
    soon_until = deadline_compute(start=today, period=days, unit=Unit.WORKING).due_date if days > 0 else today
    return ClockWindow(today=today, soon_until=soon_until)


def _running_matter_clocks() -> QuerySet[Clock]:
    return Clock.objects.filter(object_type=OBJECT_TYPE, stopped_at__isnull=True)


def _matter_ids_of(clocks: QuerySet[Clock]) -> QuerySet[Clock, dict[str, Any]]:
    """A subquery of matter ids (integers) of these clocks, computed by the database."""
    return clocks.annotate(matter_pk=Cast("object_id", BigIntegerField())).values("matter_pk")


@dataclass(frozen=True)
class ClockState:
    """A clock as the workbench shows it: days left, and whether it is overdue, due soon or late."""

    kind: str
    label: str
    start_date: datetime.date
    due_date: datetime.date
    days_left: int
    is_provisional: bool
    is_running: bool
    stopped_on: datetime.date | None
    state: str  # "overdue", "due_soon", "running", "late" (stopped after the due date) or "done"

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def clock_state(clock: Clock, window: ClockWindow) -> ClockState:
    stopped_on = timezone.localdate(clock.stopped_at) if clock.stopped_at is not None else None
    if stopped_on is not None:
        state = "late" if stopped_on > clock.due_date else "done"
    elif clock.due_date < window.today:
        state = "overdue"
    elif clock.due_date <= window.soon_until:
        state = "due_soon"
    else:
        state = "running"
    return ClockState(
        kind=clock.kind,
        label=clock_kind_label(clock.kind),
        start_date=clock.start_date,
        due_date=clock.due_date,
        days_left=(clock.due_date - window.today).days,  # display only: calendar days to the due date
        is_provisional=clock.is_provisional,
        is_running=stopped_on is None,
        stopped_on=stopped_on,
        state=state,
    )


def matter_clock_badges(*, matters: Iterable[Matter], window: ClockWindow) -> dict[int, ClockState]:
    """The most urgent running clock of each matter (one query for a whole page)."""
    ids = [str(m.pk) for m in matters]
    if not ids:
        return {}
    badges: dict[int, ClockState] = {}
    for clock in _running_matter_clocks().filter(object_id__in=ids).order_by("due_date", "id"):
        badges.setdefault(int(clock.object_id), clock_state(clock, window))
    return badges


# --- Inbox -------------------------------------------------------------------------------------


class Tab:
    """Inbox tabs. Each is a condition on the matters the reader may view."""

    ALL = "all"
    NEW = "new"
    TRIAGE = "triage"
    ACCEPT = "accept"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"

    LABELS: dict[str, Promise] = {
        ALL: _("全部"),
        NEW: _("今日登记"),
        TRIAGE: _("待分流"),
        ACCEPT: _("待受理"),
        DUE_SOON: _("即将到期"),
        OVERDUE: _("已逾期"),
    }
    ORDER = (TRIAGE, ACCEPT, DUE_SOON, OVERDUE, NEW, ALL)


def matter_visible(*, user: Any) -> QuerySet[Matter]:
    """Every matter the user may view (the one read path)."""
    return Matter.objects.restrict(user, Action.MATTER_VIEW)


def _in_scope(scope: OrganisationScope, field: str) -> Q | None:
    """`field` within the scope; None when the scope is empty (the tab does not apply)."""
    if scope.is_empty:
        return None
    if scope.everything:
        return Q(**{f"{field}__isnull": False})
    return Q(**{f"{field}__in": scope.organisation_ids()})


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _objections_to_decide(scope: OrganisationScope) -> Q:
    """Matters whose recipient objected to a routing sent by an organisation in scope: the bureau
    decides the objection and re-routes (XF-NOT-03). A subquery, so a matter is counted once."""
    routings = Routing.objects.filter(outcome=RoutingOutcome.OBJECTED)
    if not scope.everything:
        routings = routings.filter(from_org__in=scope.organisation_ids())
    return Q(status=Status.OBJECTED, pk__in=routings.values("matter_id"))


def inbox_conditions(*, user: Any, window: ClockWindow) -> dict[str, Q | None]:
    """The condition of each tab on top of `matter_visible`; None where the user's roles give the
    tab nothing to hold (no matter.triage anywhere: no "to triage" tab)."""
    triage_scope = organisation_scope(user, Action.MATTER_TRIAGE)
    triage = _in_scope(triage_scope, "current_org")
    handle = _in_scope(organisation_scope(user, Action.MATTER_HANDLE), "current_org")
    running = _running_matter_clocks()
    return {
        Tab.ALL: Q(pk__isnull=False),
        Tab.NEW: Q(registered_at__gte=_start_of(window.today)),
        # XF-TRI-01: registered matters wait for the bureau's triage within 15 days; objections
        # wait for the bureau's decision and a new routing (XF-NOT-03).
        Tab.TRIAGE: None
        if triage is None
        else (Q(status=Status.REGISTERED) & triage) | _objections_to_decide(triage_scope),
        # XF-NOT-03: a forwarded or assigned matter waits for the recipient to accept or object.
        Tab.ACCEPT: None if handle is None else Q(status__in=[Status.FORWARDED, Status.ASSIGNED]) & handle,
        Tab.DUE_SOON: Q(
            pk__in=_matter_ids_of(running.filter(due_date__gte=window.today, due_date__lte=window.soon_until))
        ),
        Tab.OVERDUE: Q(pk__in=_matter_ids_of(running.filter(due_date__lt=window.today))),
    }


@dataclass(frozen=True)
class InboxTab:
    key: str
    label: str
    count: int


def matter_inbox_tabs(*, user: Any, window: ClockWindow) -> list[InboxTab]:
    """The tabs the user has, with their counts, in one query."""
    conditions = {k: c for k, c in inbox_conditions(user=user, window=window).items() if c is not None}
    counts = matter_visible(user=user).aggregate(**{k: Count("pk", filter=c) for k, c in conditions.items()})
    return [InboxTab(key, str(Tab.LABELS[key]), int(counts[key] or 0)) for key in Tab.ORDER if key in conditions]


def matter_inbox_default_tab(*, user: Any) -> str:
    """Where a user lands: triage for the bureaus, acceptance for receiving units, else everything."""
    if not organisation_scope(user, Action.MATTER_TRIAGE).is_empty:
        return Tab.TRIAGE
    if not organisation_scope(user, Action.MATTER_HANDLE).is_empty:
        return Tab.ACCEPT
    return Tab.ALL


def matter_list(*, user: Any, tab: str = Tab.ALL, window: ClockWindow) -> QuerySet[Matter]:
    """The matters of one tab, newest received first, with what a list row shows (current
    organisation, petitioners) loaded in a constant number of queries."""
    condition = inbox_conditions(user=user, window=window).get(tab)
    qs = matter_visible(user=user)
    if condition is None:
        return qs.none()
    participants = MatterParticipant.objects.select_related("petitioner").order_by("pk")
    return (
        qs.filter(condition)
        .select_related("current_org")
        .prefetch_related(Prefetch("participants", queryset=participants))
        .order_by("-received_at", "-pk")
    )


def petitioner_names_masked(matter: Matter, *, limit: int = 3) -> list[str]:
    """Masked names of a matter's petitioners (uses the prefetched participants)."""
    names = [petitioner_display_name(p.petitioner) for p in matter.participants.all()]
    if len(names) > limit:
        return [*names[:limit], str(_("等%(count)d人") % {"count": len(names)})]
    return names


# --- One matter --------------------------------------------------------------------------------


def matter_detail(*, user: Any, pk: int) -> Matter:
    """One matter the user may view, with everything its page shows. Raises Matter.DoesNotExist
    when it does not exist or is not visible (the caller answers 404 either way; XF-CLS-03)."""
    return _with_page_data(matter_visible(user=user)).get(pk=pk)


def matter_registered_by_actor(*, matter: Matter) -> Matter:
    """The matter the caller has just registered, with what its page shows, for the registration's
    own answer: its author gets it back whatever the scope (as the counter's receipt page does),
    so the restricted read, the costliest part of the answer, is not needed here."""
    return _with_page_data(Matter.objects.all()).get(pk=matter.pk)


def _with_page_data(queryset: QuerySet[Matter]) -> QuerySet[Matter]:
    participants = MatterParticipant.objects.select_related("petitioner").order_by("pk")
    return queryset.select_related(
        "current_org", "registered_org", "place_org", "matter_type", "registered_by"
    ).prefetch_related(
        Prefetch("participants", queryset=participants),
        "attachments",
        Prefetch("routings", queryset=matter_routings_queryset()),
        "notices__issuing_org",
    )


def matter_routings_queryset() -> QuerySet[Routing]:
    return Routing.objects.select_related("from_org", "to_org").order_by("sent_at", "pk")


@dataclass(frozen=True)
class LinkRow:
    kind_label: str
    reason: str
    other_pk: int
    other_number: str
    other_title: str
    direction: str  # "out": this matter links to the other; "in": the other links to this one


def matter_links(*, user: Any, matter: Matter) -> list[LinkRow]:
    """Links from and to the matter, limited to linked matters the user may view: a report on
    the reader must not even be named (XF-CLS-03)."""
    visible = matter_visible(user=user)
    rows: list[LinkRow] = []
    outgoing = MatterLink.objects.filter(matter=matter, other__in=visible.values("pk")).select_related("other")
    incoming = MatterLink.objects.filter(other=matter, matter__in=visible.values("pk")).select_related("matter")
    for link in outgoing.order_by("pk"):
        rows.append(
            LinkRow(link.get_kind_display(), link.reason, link.other.pk, link.other.number, link.other.title, "out")
        )
    for link in incoming.order_by("pk"):
        rows.append(
            LinkRow(link.get_kind_display(), link.reason, link.matter.pk, link.matter.number, link.matter.title, "in")
        )
    return rows


def matter_clocks(*, matter: Matter, window: ClockWindow) -> list[ClockState]:
    """All clocks of a matter, running and stopped, soonest due first."""
    clocks = clock_list_for_object(object_type=OBJECT_TYPE, object_id=str(matter.pk), include_stopped=True)
    states = [clock_state(c, window) for c in clocks]
    return sorted(states, key=lambda s: (not s.is_running, s.due_date))


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    action: str
    label: str
    actor: str
    details: list[str]


def _status_label(value: Any) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _event_details(event: AuditEvent) -> list[str]:
    """A few readable facts from an event's summary (never personal data: summaries hold none)."""
    summary = _as_dict(event.summary)
    before, after = _as_dict(summary.get("before")), _as_dict(summary.get("after"))
    details: list[str] = []
    if "status" in after:
        details.append(
            str(_("状态：%(before)s → %(after)s"))
            % {"before": _status_label(before.get("status", "")), "after": _status_label(after["status"])}
        )
    if event.action.startswith("clock.") and summary.get("kind"):
        details.append(clock_kind_label(str(summary["kind"])))
        if "due_date" in after:
            if before.get("due_date") not in (None, after["due_date"]):
                text = str(_("到期日：%(before)s → %(after)s")) % {
                    "before": before["due_date"],
                    "after": after["due_date"],
                }
            else:
                text = str(_("到期日：%(date)s")) % {"date": after["due_date"]}
            details.append(text)
    return details


def matter_timeline(*, user: Any, matter: Matter) -> list[TimelineEntry]:
    """The matter's whole history from the audit log, oldest first: its own events and those of
    its routings and notices (one query). `matter` must come from `matter_detail` (restricted):
    whoever may see the matter sees every step of it, whichever organisation recorded the step."""
    objects = [(OBJECT_TYPE, str(matter.pk))]
    objects += [(ROUTING_OBJECT_TYPE, str(routing.pk)) for routing in matter.routings.all()]
    objects += [(NOTICE_OBJECT_TYPE, str(notice.pk)) for notice in matter.notices.all()]
    events = audit_history_of_visible(objects=objects)
    return [
        TimelineEntry(
            at=event.created_at,
            action=event.action,
            label=action_label(event.action),
            actor=event.actor_label,
            details=_event_details(event),
        )
        for event in events
    ]


def attachment_for_download(*, user: Any, matter_pk: int, attachment_pk: int) -> Attachment:
    """An attachment of a matter the user may view. Raises Attachment.DoesNotExist otherwise."""
    return Attachment.objects.get(pk=attachment_pk, matter__in=matter_visible(user=user).filter(pk=matter_pk))


def hotspot_documents(user: Any, since: datetime.datetime, until: datetime.datetime) -> list[dict[str, Any]]:
    """The matters received in [since, until] that `user` may count (`statistics.view` through
    `restrict()`, so reports on the reader stay hidden, XF-CLS-03), as documents for the hot spots
    of textmining (`XINFANG_HOTSPOT_SOURCES`, docs/hotspots.md): reference, title, text (request and
    facts), time, author (the first petitioner; the matter itself when there is none) and link."""
    from django.db.models import Min
    from django.urls import reverse

    rows = (
        Matter.objects.restrict(user, Action.STATISTICS_VIEW)
        .filter(received_at__gte=since, received_at__lte=until)
        .annotate(first_petitioner=Min("participants__petitioner_id"))
        .order_by("received_at", "pk")
        .values_list("pk", "title", "request", "facts", "received_at", "first_petitioner")
    )
    return [
        {
            "ref": f"{OBJECT_TYPE}:{pk}",
            "title": title,
            "text": f"{request} {facts}",
            "at": at,
            "author": f"petitioner:{petitioner}" if petitioner else f"{OBJECT_TYPE}:{pk}",
            "url": reverse("petitions:matter_detail", args=[pk]),
        }
        for pk, title, request, facts, at, petitioner in rows
    ]
