"""Written notices to the petitioner (告知; XF-NOT-01..03, DOC-01/02).

Which notice, by whom:
- receipt, route and procedure (DOC-01) — by the organisation that accepted the matter: the one
  that registered it (XF-NOT-01 first bullet, D2) or the recipient of a routing (XF-NOT-03, D3);
- where it was forwarded or assigned (XF-NOT-01 second bullet) — by the organisation that sent it;
- go to the empowered organ (XF-NOT-01 third bullet) — after `matter_guide_elsewhere`;
- not accepted, with ground, channel and basis (DOC-02) — after `matter_not_accept`.

In writing on the spot where possible (a visit), otherwise within 15 days of receipt (XF-NOT-02);
none is owed when the name or address is unclear. A notice after its due date needs a recorded
reason and stays visible as late (Notice.is_late). Giving it stops the notice clock it answers.
The generated text is the official document's: it is written in the district's language
(settings.LANGUAGE_CODE), whatever the clerk's screen language."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Organisation
from xinfang.workcalendar.services import clock_stop

from ..models import Matter, Notice, Routing
from ..states import (
    CLOCK_NOTICE,
    CLOCK_RECIPIENT_NOTICE,
    Channel,
    NonAcceptanceGround,
    NoticeKind,
    NoticeMethod,
    RoutingKind,
    RoutingOutcome,
    Status,
)
from .routing import to_minute
from .triage import matter_lock, running_clock

CLOCK_SKEW = datetime.timedelta(minutes=5)


@dataclass(frozen=True)
class NoticeDuty:
    """Who gives a kind of notice on a matter now, and about which routing."""

    kind: str
    issuing_org: Organisation
    routing: Routing | None
    actions: tuple[str, ...]  # the actor needs one of these on issuing_org


def _latest_routing(matter: Matter) -> Routing | None:
    return (
        Routing.objects.filter(matter=matter).select_related("from_org", "to_org").order_by("-sent_at", "-pk").first()
    )


def notice_duty(*, matter: Matter, kind: str) -> NoticeDuty | None:
    """The organisation that gives `kind` of notice in the matter's present state, or None when
    that notice does not fit the state (e.g. "not accepted" on an accepted matter)."""
    routing = _latest_routing(matter)
    if kind == NoticeKind.FORWARDED_TO:
        if (
            routing is None
            or routing.outcome == RoutingOutcome.OBJECTION_UPHELD
            or matter.status not in (Status.FORWARDED, Status.ASSIGNED, Status.ACCEPTED, Status.OBJECTED)
        ):
            return None
        return NoticeDuty(kind, routing.from_org, routing, (Action.MATTER_TRIAGE,))
    if kind == NoticeKind.RECEIPT_AND_ROUTE:
        if matter.status != Status.ACCEPTED:
            return None
        received = (
            routing
            if routing is not None
            and routing.to_org_id == matter.current_org_id
            and routing.outcome in (RoutingOutcome.ACCEPTED, RoutingOutcome.OBJECTION_REJECTED)
            else None
        )
        return NoticeDuty(kind, matter.current_org, received, (Action.MATTER_TRIAGE, Action.MATTER_HANDLE))
    if kind == NoticeKind.GO_TO_COMPETENT and matter.status == Status.GUIDED:
        return NoticeDuty(kind, matter.current_org, None, (Action.MATTER_TRIAGE,))
    if kind == NoticeKind.NOT_ACCEPTED and matter.status == Status.NOT_ACCEPTED:
        return NoticeDuty(kind, matter.current_org, None, (Action.MATTER_TRIAGE,))
    return None


def notice_kinds_for(*, user: Any, matter: Matter) -> list[str]:
    """The kinds of notice the user may give on the matter now (for the form's choices)."""
    if matter.is_anonymous:
        return []
    kinds = []
    for kind in NoticeKind.values:
        duty = notice_duty(matter=matter, kind=kind)
        if duty is not None and any(user_can(user, a, duty.issuing_org) for a in duty.actions):
            kinds.append(kind)
    return kinds


def _cn_date(value: datetime.datetime | datetime.date) -> str:
    day = timezone.localdate(value) if isinstance(value, datetime.datetime) else value
    return _("%(y)d年%(m)d月%(d)d日") % {"y": day.year, "m": day.month, "d": day.day}


def notice_default_content(
    *, matter: Matter, kind: str, issuing_org: Organisation, routing: Routing | None, given_on: datetime.date
) -> str:
    """The generated text of a notice (DOC-01, DOC-02, XF-NOT-01), in the district's language."""
    with translation.override(settings.LANGUAGE_CODE):
        lines = [
            _("您于%(date)s以%(channel)s方式提出的信访事项（编号：%(number)s；事由：%(title)s）")
            % {
                "date": _cn_date(matter.received_at),
                "channel": Channel(matter.channel).label,
                "number": matter.number,
                "title": matter.title,
            }
        ]
        if kind == NoticeKind.RECEIPT_AND_ROUTE:
            if routing is not None:
                lines.append(
                    _("经%(from)s于%(sent)s%(kind)s本机关，本机关于%(received)s收到，现已依法受理。")
                    % {
                        "from": routing.from_org.name,
                        "sent": _cn_date(routing.sent_at),
                        "kind": RoutingKind(routing.kind).label,
                        "received": _cn_date(routing.received_at or routing.sent_at),
                    }
                )
            else:
                lines.append(_("本机关已收到，现已依法受理。"))
            lines.append(
                _(
                    "处理途径和程序：本机关将依照《信访工作条例》第三十一条，根据事项性质依法处理；应当通过诉讼、仲裁、"
                    "行政复议等法定途径解决的，将告知并引导您依照法定程序提出；适用信访程序办理的，自受理之日起60日内"
                    "办结并出具信访处理意见书，情况复杂的，经本机关负责人批准可以适当延长，延长期限不超过30日，"
                    "并告知延期理由（第三十四条）。"
                )
            )
            lines.append(_("您可以凭事项编号%(number)s查询办理进展和结果。") % {"number": matter.number})
        elif kind == NoticeKind.FORWARDED_TO:
            assert routing is not None
            lines.append(
                _(
                    "本机关已于%(sent)s依照“属地管理、分级负责，谁主管、谁负责”的原则%(kind)s%(to)s办理"
                    "（《信访工作条例》第二十二条、第二十三条）。%(to)s将在收到之日起15日内书面告知您受理情况。"
                )
                % {
                    "sent": _cn_date(routing.sent_at),
                    "kind": RoutingKind(routing.kind).label,
                    "to": routing.to_org.name,
                }
            )
        elif kind == NoticeKind.GO_TO_COMPETENT:
            lines.append(
                _("不属于本机关职权范围。请您向以下有权机关提出：%(channel)s（《信访工作条例》第二十三条第一款）。")
                % {"channel": matter.proper_channel}
            )
            if matter.decision_basis:
                lines.append(_("依据：%(basis)s。") % {"basis": matter.decision_basis})
        elif kind == NoticeKind.NOT_ACCEPTED:
            ground = matter.non_acceptance_ground
            lines.append(
                _("本机关决定不予受理。理由：%(ground)s。")
                % {"ground": NonAcceptanceGround(ground).label if ground else "—"}
            )
            lines.append(_("您可以通过以下途径提出：%(channel)s。") % {"channel": matter.proper_channel})
            lines.append(_("依据：%(basis)s。") % {"basis": matter.decision_basis})
        lines.append(_("特此告知。"))
        lines.append(f"{issuing_org.name}　{_cn_date(given_on)}")
        return "\n".join(lines)


@transaction.atomic
def notice_give(
    *,
    actor: Any,
    matter: Matter,
    kind: str,
    method: str,
    content: str = "",
    given_at: datetime.datetime | None = None,
    late_reason: str = "",
) -> Notice:
    """Record a written notice to the petitioner (XF-NOT-01/02/03) with generated content unless
    `content` is given. Stops the notice clock it answers (D2 for the registering organisation, D3
    for a recipient); after its due date a `late_reason` is required and the notice stays visible
    as late. The same notice twice (a double submit) is refused."""
    if kind not in NoticeKind.values:
        raise ValidationError({"kind": _("请选择告知类型。")}, code="kind")
    if method not in NoticeMethod.values:
        raise ValidationError({"method": _("请选择告知方式。")}, code="method")
    duty = notice_duty(matter=matter, kind=kind)
    if duty is None:
        raise ServiceError(
            _("事项当前状态为“%(status)s”，不能作出“%(kind)s”。")
            % {"status": Status(matter.status).label, "kind": NoticeKind(kind).label},
            code="stale",
        )
    if not any(user_can(actor, a, duty.issuing_org) for a in duty.actions):
        require(actor, duty.actions[0], duty.issuing_org)
        raise PermissionDenied  # unreachable: require raised
    matter = matter_lock(matter)
    locked_duty = notice_duty(matter=matter, kind=kind)
    if locked_duty is None or locked_duty.issuing_org.pk != duty.issuing_org.pk:
        raise ServiceError(_("事项状态已变化，请刷新页面。"), code="stale")
    if matter.is_anonymous:
        raise ServiceError(_("匿名事项无法书面告知。"), code="anonymous")
    if Notice.objects.filter(matter=matter, kind=kind, issuing_org=duty.issuing_org, routing=duty.routing).exists():
        raise ServiceError(_("已经作出过该告知，无需重复告知。"), code="stale")
    now = timezone.now()
    given_at = given_at or now
    errors: dict[str, list[str]] = {}
    if given_at < to_minute(matter.received_at):
        errors.setdefault("given_at", []).append(_("告知时间不能早于收到信访事项的时间。"))
    if given_at > now + CLOCK_SKEW:
        errors.setdefault("given_at", []).append(_("告知时间不能晚于现在。"))
    if method == NoticeMethod.ON_THE_SPOT and matter.channel != Channel.VISIT:
        errors.setdefault("method", []).append(_("当场书面告知只适用于走访（信访人在场）的情形（第二十三条第二款）。"))
    if errors:
        raise ValidationError(errors)
    clock_kind = CLOCK_NOTICE if duty.issuing_org.pk == matter.registered_org_id else CLOCK_RECIPIENT_NOTICE
    clock = running_clock(matter, clock_kind)
    due = clock.due_date if clock is not None else None
    given_on = timezone.localdate(given_at)
    late = ""
    if due is not None and given_on > due:
        if not late_reason.strip():
            raise ValidationError(
                {
                    "late_reason": _(
                        "已超过书面告知期限（%(due)s，自收到之日起15日，《信访工作条例》第二十三条，XF-NOT-02/03）。"
                        "逾期告知的，应当说明原因。"
                    )
                    % {"due": due.isoformat()}
                },
                code="late",
            )
        late = late_reason.strip()
    notice = Notice.objects.create(
        matter=matter,
        routing=duty.routing,
        kind=kind,
        method=method,
        given_at=given_at,
        content=content.strip()
        or notice_default_content(
            matter=matter, kind=kind, issuing_org=duty.issuing_org, routing=duty.routing, given_on=given_on
        ),
        issuing_org=duty.issuing_org,
        due_date=due,
        late_reason=late,
    )
    if clock is not None:
        clock_stop(clock=clock, actor=actor, reason="notice.give")
    audit_record(
        actor=actor,
        action="notice.give",
        target=notice,
        object_label=matter.number,
        org_id=duty.issuing_org.pk,
        summary={
            "matter": matter.pk,
            "kind": kind,
            "method": method,
            "routing": duty.routing.pk if duty.routing else None,
            "due_date": due.isoformat() if due else None,
            "late": bool(late),
        },
    )
    return notice
