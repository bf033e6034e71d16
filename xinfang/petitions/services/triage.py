"""Triage by the petition bureau (or any organ a petition reaches directly): the three
distinctions (三个区分清楚 — level, nature, acceptance) and the acceptance decisions that need no
routing: accept here, not accept with the ground and the proper channel, guide elsewhere; and the
flag of major or urgent matters with its upward report.

Rules: XF-TRI-01 (decide within 15 days of receipt; late only with a recorded reason), XF-TRI-02
and XF-HDL-03 (litigation to the political-legal bodies, reports on officials to discipline
inspection), XF-CLS-03 (never to the person or unit reported), XF-LEG-01 / DOC-02 (not accepted:
ground, channel, basis), XF-NOT-01 (outside the system: tell the petitioner where to go),
XF-URG-01/02 (major or urgent: report to the same-level Party committee and government and to the
petition bureau one level up).

Forwarding and assigning (转送/交办) and the recipient's answer are in `routing.py`, notices to the
petitioner in `notices.py`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Function, Organisation
from xinfang.orgs.selectors import organisation_area
from xinfang.workcalendar.models import Clock
from xinfang.workcalendar.selectors import clock_get
from xinfang.workcalendar.services import clock_stop

from ..models import Matter
from ..states import (
    CLOCK_TRIAGE,
    DISCIPLINE_FUNCTIONS,
    POLITICAL_LEGAL_FUNCTIONS,
    LevelDecision,
    Nature,
    NonAcceptanceGround,
    Status,
)
from .common import OBJECT_TYPE, matter_clock_start, matter_transition

# --- Shared by the triage and routing services ------------------------------------------------


def matter_lock(matter: Matter) -> Matter:
    """The matter re-read under a row lock (PostgreSQL; SQLite transactions are IMMEDIATE): two
    clerks deciding the same matter at once, or a double submit, see each other's result."""
    return Matter.objects.select_for_update().get(pk=matter.pk)


def expect_status(matter: Matter, *allowed: str) -> None:
    """Refuse an action on a matter that has moved on (a double submit, or a colleague was faster)."""
    if matter.status not in allowed:
        raise ServiceError(
            _("该事项当前状态为“%(status)s”，不能再执行此操作；可能已经有人处理过。请刷新页面查看。")
            % {"status": Status(matter.status).label},
            code="stale",
        )


def expect_triaged(matter: Matter) -> None:
    """The acceptance decision comes after the other two distinctions (level and nature)."""
    if not matter.level_decision or not matter.nature:
        raise ServiceError(_("请先作出“三个区分”中的层级和性质判断，再决定是否受理。"), code="not_triaged")


def running_clock(matter: Matter, kind: str) -> Clock | None:
    return clock_get(object_type=OBJECT_TYPE, object_id=str(matter.pk), kind=kind)


def stop_clock(matter: Matter, kind: str, *, actor: Any, reason: str) -> Clock | None:
    """Stop the running clock of a kind on the matter, if there is one."""
    clock = running_clock(matter, kind)
    if clock is None:
        return None
    return clock_stop(clock=clock, actor=actor, reason=reason)


def triage_lateness(*, matter: Matter, acted_on: datetime.date, late_reason: str) -> tuple[datetime.date | None, str]:
    """XF-TRI-01: the bureau decides within 15 days of receipt (the running CLOCK_TRIAGE). After its
    due date the decision is still taken, but only with a recorded reason, and stays visible as late.
    Returns (due date or None, the late reason to store — empty when not late)."""
    clock = running_clock(matter, CLOCK_TRIAGE)
    if clock is None or acted_on <= clock.due_date:
        return (clock.due_date if clock else None), ""
    if not late_reason.strip():
        raise ValidationError(
            {
                "late_reason": _(
                    "已超过转送、交办期限（%(due)s，自收到之日起15日，《信访工作条例》第二十二条，XF-TRI-01）。"
                    "逾期作出决定的，应当说明逾期原因。"
                )
                % {"due": clock.due_date.isoformat()}
            },
            code="late",
        )
    return clock.due_date, late_reason.strip()


def is_report_on_officials(matter: Matter) -> bool:
    """A report or accusation naming users or units of the system (XF-CLS-02/03, XF-TRI-02)."""
    if matter.nature not in (Nature.REPORT, Nature.DISCIPLINE) or matter.pk is None:
        return False
    return matter.reported_users.exists() or matter.reported_orgs.exists()


def check_competence_by_nature(matter: Matter, organisation: Organisation, *, field: str) -> None:
    """XF-TRI-02 / XF-HDL-03: litigation-related matters go to the political-legal bodies;
    discipline matters and reports on officials go to discipline inspection. XF-CLS-03: never to the
    unit reported on, nor to a unit where a person reported on works."""
    if matter.nature == Nature.LITIGATION and organisation.function not in POLITICAL_LEGAL_FUNCTIONS:
        raise ValidationError(
            {
                field: _(
                    "涉法涉诉事项应当转交政法部门（政法委、法院、检察院、公安机关）依照法定程序处理"
                    "（《信访工作条例》第二十二条第二款、第二十八条第二款，XF-TRI-02、XF-HDL-03）。"
                )
            },
            code="litigation",
        )
    if (matter.nature == Nature.DISCIPLINE or is_report_on_officials(matter)) and (
        organisation.function not in DISCIPLINE_FUNCTIONS
    ):
        raise ValidationError(
            {
                field: _(
                    "检举控告党员干部和公职人员的事项，应当按照干部管理权限转交纪检监察机关"
                    "（《信访工作条例》第二十二条第二款，XF-TRI-02）。"
                )
            },
            code="discipline",
        )
    if matter.pk is not None and matter.nature in (Nature.REPORT, Nature.DISCIPLINE):
        reported_paths = [o.path for o in matter.reported_orgs.all()]
        works_there = organisation.memberships.filter(is_active=True, user__in=matter.reported_users.all()).exists()
        if works_there or any(organisation.path.startswith(path) for path in reported_paths):
            raise ValidationError(
                {
                    field: _(
                        "检举控告材料不得转给被检举控告的人员或者单位（《信访工作条例》第三十条第三款，XF-CLS-03）。"
                    )
                },
                code="reported",
            )


def handling_clock_hook(*, matter: Matter, actor: Any) -> None:
    """Called wherever a matter becomes accepted (受理): here, by the recipient, or when an
    objection is rejected. Records the accepting organ and starts the 60-day handling clock (D6,
    条例 Art. 34) from `matter.accepted_at` (`handling.on_accepted`)."""
    from .handling import on_accepted

    on_accepted(matter=matter, actor=actor)


# --- The three distinctions ------------------------------------------------------------------


@transaction.atomic
def matter_triage(
    *,
    actor: Any,
    matter: Matter,
    level: str,
    nature: str,
    matter_type: Any = None,
    note: str = "",
    reported_users: Iterable[Any] | None = None,
    reported_orgs: Iterable[Organisation] | None = None,
    reported_names: str | None = None,
) -> Matter:
    """Record two of the three distinctions — level (this / lower / higher / outside the system) and
    nature (suggestion, report, grievance, litigation-related, discipline-related) — with the matter
    type (the power list's routing key) and, for reports on officials, who is reported (XF-CLS-03:
    the matter is then never visible to them). The third distinction, acceptance, is one of the
    decision services. May be repeated while the matter waits for its decision; repeating the same
    values changes nothing and writes no event."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    errors: dict[str, list[str]] = {}
    if level not in LevelDecision.values:
        errors.setdefault("level", []).append(_("请选择层级：本级、下级、上级或系统外。"))
    if nature not in Nature.values:
        errors.setdefault("nature", []).append(_("请选择事项性质。"))
    is_report = nature in (Nature.REPORT, Nature.DISCIPLINE)
    if matter.is_anonymous and nature in Nature.values and not is_report:
        errors.setdefault("nature", []).append(
            _("匿名提出的只能是检举控告类事项；其他事项应当载明信访人姓名（名称）和住址（第十九条）。")
        )
    users = list(reported_users) if reported_users is not None else None
    orgs = list(reported_orgs) if reported_orgs is not None else None
    names = reported_names.strip() if reported_names is not None else None
    if not is_report and (users or orgs or names):
        errors.setdefault("reported_names", []).append(_("只有检举控告类、纪检监察类事项需要填写被反映人。"))
    if matter_type is not None and not getattr(matter_type, "is_active", True):
        errors.setdefault("matter_type", []).append(_("该事项类型已停用。"))
    if errors:
        raise ValidationError(errors)

    before = _triage_values(matter)
    matter.level_decision = level
    matter.nature = nature
    if matter_type is not None:
        matter.matter_type = matter_type
    matter.triage_note = note.strip()
    if names is not None:
        matter.reported_names = names[:200]
    matter.save(
        update_fields=["level_decision", "nature", "matter_type", "triage_note", "reported_names", "updated_at"]
    )
    if users is not None:
        matter.reported_users.set(users)
    if orgs is not None:
        matter.reported_orgs.set(orgs)
    after = _triage_values(matter)
    if after == before:
        return matter
    audit_record(
        actor=actor,
        action="matter.triage",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        # Ids, counts and codes only: who is reported is personal data (kept on the matter).
        summary={"before": before, "after": after},
    )
    return matter


def _triage_values(matter: Matter) -> dict[str, Any]:
    return {
        "level": matter.level_decision,
        "nature": matter.nature,
        "matter_type": matter.matter_type_id,
        "note": bool(matter.triage_note),
        "reported_users": len(matter.reported_users.all()),
        "reported_orgs": sorted(o.pk for o in matter.reported_orgs.all()),
        "reported_names": bool(matter.reported_names),
    }


# --- Acceptance decisions without routing ----------------------------------------------------


def _decide(
    *, actor: Any, matter: Matter, to: str, action: str, late_reason: str, summary: dict[str, Any]
) -> tuple[Matter, dict[str, Any]]:
    """What every decision ends with: the triage clock stopped (late or not), the transition."""
    now = timezone.now()
    due, late = triage_lateness(matter=matter, acted_on=timezone.localdate(now), late_reason=late_reason)
    matter.triage_late_reason = late
    matter.save(update_fields=["triage_late_reason", "updated_at"])
    stop_clock(matter, CLOCK_TRIAGE, actor=actor, reason=action)
    extra = {"triage_due": due.isoformat() if due else None, "late": bool(late), **summary}
    matter_transition(matter=matter, to=to, actor=actor, action=action, summary=extra)
    return matter, extra


@transaction.atomic
def matter_accept_here(*, actor: Any, matter: Matter, note: str = "", late_reason: str = "") -> Matter:
    """This organisation is competent and accepts the matter (受理; XF-TRI-01, XF-NOT-01 first
    bullet). Sets `accepted_at`; the written notice of receipt and procedure follows (notice_give).
    Litigation-related and discipline matters are accepted only by the bodies they belong to."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    expect_triaged(matter)
    if matter.level_decision in (LevelDecision.HIGHER, LevelDecision.OUTSIDE):
        raise ServiceError(
            _("已判断为上级或系统外事项，本机关不能受理；请告知信访人向有权机关提出（XF-NOT-01）。"),
            code="not_competent",
        )
    check_competence_by_nature(matter, matter.current_org, field="__all__")
    if note.strip():
        matter.triage_note = "\n".join(filter(None, [matter.triage_note, note.strip()]))
    matter.accepted_at = timezone.now()
    matter.save(update_fields=["accepted_at", "triage_note", "updated_at"])
    matter, _summary = _decide(
        actor=actor, matter=matter, to=Status.ACCEPTED, action="matter.accept", late_reason=late_reason, summary={}
    )
    handling_clock_hook(matter=matter, actor=actor)
    return matter


@transaction.atomic
def matter_not_accept(
    *, actor: Any, matter: Matter, ground: str, proper_channel: str, legal_basis: str, late_reason: str = ""
) -> Matter:
    """Not accepted (不予受理 / 不再受理), with one of the grounds of XF-LEG-01, the channel the
    petitioner should go to, and the legal basis (DOC-02). The notice follows (notice_give)."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    expect_triaged(matter)
    errors: dict[str, list[str]] = {}
    if ground not in NonAcceptanceGround.values:
        errors.setdefault("ground", []).append(_("请选择不予受理的理由（XF-LEG-01）。"))
    if not proper_channel.strip():
        errors.setdefault("proper_channel", []).append(
            _("请写明信访人应当提出的途径：有权机关、法定程序及相关期限（DOC-02）。")
        )
    if not legal_basis.strip():
        errors.setdefault("legal_basis", []).append(_("请写明法律依据（DOC-02）。"))
    if errors:
        raise ValidationError(errors)
    matter.non_acceptance_ground = ground
    matter.proper_channel = proper_channel.strip()
    matter.decision_basis = legal_basis.strip()
    matter.save(update_fields=["non_acceptance_ground", "proper_channel", "decision_basis", "updated_at"])
    matter, _summary = _decide(
        actor=actor,
        matter=matter,
        to=Status.NOT_ACCEPTED,
        action="matter.not_accept",
        late_reason=late_reason,
        summary={"ground": ground},
    )
    return matter


@transaction.atomic
def matter_guide_elsewhere(
    *, actor: Any, matter: Matter, proper_channel: str, legal_basis: str = "", late_reason: str = ""
) -> Matter:
    """Tell the petitioner to go to the empowered organ (XF-NOT-01 third bullet: outside the
    system; a higher level's matter; XF-TRI-02 / XF-VIS-02: a visitor with a litigation issue is
    given an explanation of the law and guided to the political-legal bodies). Matters of this level
    or a lower one are forwarded, assigned or accepted instead (XF-TRI-01)."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    expect_status(matter, Status.REGISTERED)
    expect_triaged(matter)
    if matter.level_decision not in (LevelDecision.HIGHER, LevelDecision.OUTSIDE) and (
        matter.nature != Nature.LITIGATION
    ):
        raise ServiceError(
            _(
                "本级或下级有权处理的事项，应当受理或者转送、交办（《信访工作条例》第二十二条，XF-TRI-01）；"
                "只有上级、系统外或涉法涉诉事项才告知信访人向有权机关提出。"
            ),
            code="guide_not_allowed",
        )
    if not proper_channel.strip():
        raise ValidationError(
            {"proper_channel": _("请写明信访人应当向哪个有权机关、通过什么途径提出（XF-NOT-01）。")},
            code="required",
        )
    matter.proper_channel = proper_channel.strip()
    matter.decision_basis = legal_basis.strip()
    matter.save(update_fields=["proper_channel", "decision_basis", "updated_at"])
    matter, _summary = _decide(
        actor=actor, matter=matter, to=Status.GUIDED, action="matter.guide", late_reason=late_reason, summary={}
    )
    return matter


# --- Major or urgent matters -----------------------------------------------------------------


def urgent_report_targets(*, organisation: Organisation) -> dict[str, list[Organisation]]:
    """Whom a major or urgent matter is reported to (XF-URG-01/02), found in the tree by function:
    the Party committee and the government of the organisation's own area (the area itself stands
    for its government when no such department is in the tree), and the petition bureau of the
    area one level up."""
    area = organisation_area(organisation)
    same_level = list(
        Organisation.objects.filter(
            parent=area, function__in=[Function.PARTY_COMMITTEE, Function.GOVERNMENT], is_active=True
        ).order_by("function", "pk")
    )
    if not same_level:
        same_level = [area]
    above: list[Organisation] = []
    if area.parent_id is not None:
        above = list(
            Organisation.objects.filter(
                parent_id=area.parent_id, function=Function.PETITION_BUREAU, is_active=True
            ).order_by("pk")
        )
    return {"same_level": same_level, "petition_bureau_above": above}


@transaction.atomic
def matter_flag_urgent(*, actor: Any, matter: Matter, reason: str) -> Matter:
    """Flag a major or urgent matter and record its upward report (XF-URG-01: to the same-level
    Party committee and government; XF-URG-02: at the same time to the petition bureau one level up
    and the National Public Complaints and Proposals Administration). The report is a record here;
    sending it comes with the notifications work. Who was reported to is in the audit event (ids)."""
    require(actor, Action.MATTER_TRIAGE, matter.current_org)
    matter = matter_lock(matter)
    if matter.is_urgent:
        raise ServiceError(
            _("该事项已于%(at)s标记为重大紧急事项并上报。")
            % {"at": timezone.localtime(matter.urgent_reported_at).strftime("%Y-%m-%d %H:%M")}
            if matter.urgent_reported_at
            else _("该事项已标记为重大紧急事项。"),
            code="stale",
        )
    if not reason.strip():
        raise ValidationError(
            {"reason": _("请说明重大、紧急的情形及可能造成的社会影响（《信访工作条例》第二十五条）。")}, code="required"
        )
    targets = urgent_report_targets(organisation=matter.current_org)
    matter.is_urgent = True
    matter.urgent_reason = reason.strip()
    matter.urgent_reported_at = timezone.now()
    matter.save(update_fields=["is_urgent", "urgent_reason", "urgent_reported_at", "updated_at"])
    audit_record(
        actor=actor,
        action="matter.flag_urgent",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary={
            "before": {"is_urgent": False},
            "after": {"is_urgent": True},
            "reported_to": {
                "same_level": [o.pk for o in targets["same_level"]],
                "petition_bureau_above": [o.pk for o in targets["petition_bureau_above"]],
                # XF-URG-02: "and at the same time to the 国家信访局" (not an organisation of the tree).
                "national_bureau": True,
            },
        },
    )
    return matter


def restart_triage_clock(*, matter: Matter, actor: Any, start: datetime.datetime) -> None:
    """[I] A matter returned to the bureau after an upheld objection waits for a new routing: a new
    15-day triage clock from the decision (the 条例 sets no period for re-routing; this keeps the
    matter on the bureau's clocks). Only at petition bureaus, as at registration."""
    if matter.current_org.function != Function.PETITION_BUREAU:
        return
    stop_clock(matter, CLOCK_TRIAGE, actor=actor, reason="restart")
    matter_clock_start(matter=matter, kind=CLOCK_TRIAGE, start=start, actor=actor)
