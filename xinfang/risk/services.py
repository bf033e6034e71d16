"""Writes of major decisions and their social-stability risk assessment (regulations.md §5).

Every service is keyword-only, checks `risk.manage` (docs/permissions.md) at the right
organisation, validates before it writes, and records its audit event in its one transaction:

- the decision body (the list's government) keeps the list, concludes and decides;
- the owner unit (决策承办单位, RA-01) may also record assessment steps and start an assessment;
- what each risk level permits is configuration (settings.XINFANG_RISK_PERMITTED_OUTCOMES; defaults
  RA-03 [P], RA-06 and RA-07 [S]); a decision approved against a high-risk conclusion is refused.

`risk_cluster_check` is the simple cluster rule of docs/risk.md: it flags a decision's assessment
for review when petitions and grid events gather around it."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.models import Matter
from xinfang.petitions.services.intake import attachment_check

from .models import Assessment, AssessmentStep, DecisionList, MajorDecision, ReviewFlag, StepDocument
from .states import (
    APPROVALS,
    TRANSITIONS,
    AssessmentStatus,
    ClusterRule,
    DecisionKind,
    DecisionStatus,
    Outcome,
    RiskLevel,
    StepKind,
    permitted_outcomes,
)

MAX_TEXT = 10000
MAX_KEYWORDS = 20
MAX_MATCHED_STORED = 200
# Governments that keep a decision list (RA-09: district and township rules; a village has none).
LIST_KINDS = frozenset({Kind.DISTRICT, Kind.TOWN, Kind.STREET})
PROJECT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{1,39}$")
KEYWORD_SPLIT_RE = re.compile(r"[,，、;；\s]+")


# --- Shared steps --------------------------------------------------------------------------------


def _text(value: str, name: str, *, required: bool = True, message: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({name: message or _("此项为必填项。")}, code="required")
    if len(value) > MAX_TEXT:
        raise ValidationError({name: _("不超过 %(max)s 个字。") % {"max": MAX_TEXT}}, code="max_length")
    return value


def _in_subtree(org: Organisation, root: Organisation) -> bool:
    return org.path.startswith(root.path)


def _require_decision_body(actor: Any, decision: MajorDecision) -> None:
    require(actor, Action.RISK_MANAGE, decision.organisation)


def _require_assessor(actor: Any, decision: MajorDecision) -> None:
    """The decision body or the owner unit (RA-01: the owner carries out the assessment)."""
    if not user_can(actor, Action.RISK_MANAGE, decision.owner_org):
        require(actor, Action.RISK_MANAGE, decision.organisation)


def _lock(decision: MajorDecision) -> MajorDecision:
    return (
        MajorDecision.objects.select_for_update(of=("self",))
        .select_related("organisation", "owner_org", "decision_list", "place")
        .get(pk=decision.pk)
    )


def _expect(decision: MajorDecision, to: str) -> None:
    if to not in TRANSITIONS[decision.status]:
        raise ServiceError(
            _("决策事项当前状态为“%(current)s”，不能转为“%(to)s”。")
            % {"current": DecisionStatus(decision.status).label, "to": DecisionStatus(to).label},
            code="transition",
        )


def _current_assessment(decision: MajorDecision) -> Assessment | None:
    return decision.assessments.exclude(status=AssessmentStatus.SUPERSEDED).order_by("-round").first()


def _audit(actor: Any, action: str, decision: MajorDecision, summary: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=f"risk.{action}",
        target=decision,
        object_label=decision.reference,
        org_id=decision.organisation_id,
        summary=summary,
    )


def keywords_parse(value: str | list[str]) -> list[str]:
    """Keywords from text separated by commas, 、, semicolons or spaces (or a list): stripped,
    each 2 to 20 characters, without repeats, at most MAX_KEYWORDS."""
    parts = value if isinstance(value, list) else KEYWORD_SPLIT_RE.split(value or "")
    words: list[str] = []
    for part in parts:
        word = str(part).strip()
        if not word or word in words:
            continue
        if not 2 <= len(word) <= 20:
            raise ValidationError(
                {"keywords": _("关键词“%(word)s”应为 2 至 20 个字。") % {"word": word[:30]}}, code="keyword"
            )
        words.append(word)
    if len(words) > MAX_KEYWORDS:
        raise ValidationError({"keywords": _("关键词最多 %(max)s 个。") % {"max": MAX_KEYWORDS}}, code="keywords")
    return words


# --- The yearly list and its decisions -----------------------------------------------------------


@transaction.atomic
def decision_list_create(*, actor: Any, organisation: Organisation, year: int, title: str = "") -> DecisionList:
    """Open the yearly list of major decisions of a government (district, town or street): one per
    year. RA-01: major decisions that may affect social stability are assessed."""
    require(actor, Action.RISK_MANAGE, organisation)
    if organisation.kind not in LIST_KINDS or organisation.is_external:
        raise ServiceError({"organisation": _("只有本区的区、镇、街道可以建立重大决策事项目录。")}, code="organisation")
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("年度应在 2000 至 2100 之间。")}, code="year")
    if DecisionList.objects.filter(organisation=organisation, year=year).exists():
        raise ServiceError(
            {"year": _("%(org)s %(year)s 年度的重大决策事项目录已经存在。") % {"org": organisation.name, "year": year}},
            code="duplicate",
        )
    title = _text(title, "title", required=False)[:120] or f"{organisation.name}{year}年度重大决策事项目录"
    decision_list = DecisionList.objects.create(organisation=organisation, year=year, title=title, created_by=actor)
    audit_record(
        actor=actor,
        action="risk.list_create",
        target=decision_list,
        object_label=f"{organisation.code}/{year}",
        org_id=organisation.pk,
        summary={"after": {"organisation": organisation.code, "year": year}},
    )
    return decision_list


@dataclass
class DecisionData:
    """A decision as entered on the list."""

    title: str
    owner_org: Organisation
    description: str = ""
    kind: str = DecisionKind.OTHER
    owner_person: str = ""
    project_code: str = ""
    place: Organisation | None = None
    keywords: list[str] | str = field(default_factory=list)
    planned_date: datetime.date | None = None


def _decision_validate(decision_list: DecisionList, data: DecisionData) -> dict[str, Any]:
    errors: dict[str, str] = {}
    title = (data.title or "").strip()
    if not title:
        errors["title"] = _("请填写决策事项。")
    elif len(title) > 200:
        errors["title"] = _("不超过 %(max)s 个字。") % {"max": 200}
    if data.kind not in DecisionKind.values:
        errors["kind"] = _("请选择决策类别。")
    root = decision_list.organisation
    if data.owner_org is None or not _in_subtree(data.owner_org, root) or not data.owner_org.is_active:
        errors["owner_org"] = _("决策承办单位应当是%(org)s或其所属单位。") % {"org": root.name}
    if data.place is not None and not _in_subtree(data.place, root):
        errors["place"] = _("涉及地点应当在%(org)s辖区内。") % {"org": root.name}
    code = (data.project_code or "").strip()
    if code and not PROJECT_CODE_RE.match(code):
        errors["project_code"] = _("项目编号只能包含字母、数字、点、斜杠、下划线和连字符（2至40位）。")
    owner_person = (data.owner_person or "").strip()
    if len(owner_person) > 60:
        errors["owner_person"] = _("不超过 %(max)s 个字。") % {"max": 60}
    try:
        keywords = keywords_parse(data.keywords)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        keywords = []
    if errors:
        raise ValidationError(errors, code="invalid")
    return {
        "title": title,
        "description": _text(data.description, "description", required=False),
        "kind": data.kind,
        "owner_org": data.owner_org,
        "owner_person": owner_person,
        "project_code": code,
        "place": data.place,
        "keywords": keywords,
        "planned_date": data.planned_date,
    }


@transaction.atomic
def decision_add(*, actor: Any, decision_list: DecisionList, data: DecisionData) -> MajorDecision:
    """Put a decision on the list, numbered within it. Its owner unit is the government itself or
    one of its units; its place lies in the government's area."""
    decision_list = DecisionList.objects.select_for_update().select_related("organisation").get(pk=decision_list.pk)
    require(actor, Action.RISK_MANAGE, decision_list.organisation)
    values = _decision_validate(decision_list, data)
    last = decision_list.decisions.aggregate(last=Max("number"))["last"] or 0
    decision = MajorDecision.objects.create(
        decision_list=decision_list, organisation=decision_list.organisation, number=last + 1, **values
    )
    _audit(
        actor,
        "decision_add",
        decision,
        {
            "after": {
                "list": decision_list.pk,
                "number": decision.number,
                "owner_org": decision.owner_org.code,
                "kind": decision.kind,
                "status": decision.status,
            }
        },
    )
    return decision


# --- The assessment ------------------------------------------------------------------------------


def _assessment_open(decision: MajorDecision, actor: Any, reason: str) -> Assessment:
    """Start the first round, or a new round that supersedes the concluded one."""
    before = decision.status
    _expect(decision, DecisionStatus.ASSESSING)
    previous = _current_assessment(decision)
    if previous is not None:
        previous.status = AssessmentStatus.SUPERSEDED
        previous.save(update_fields=["status"])
    assessment = Assessment.objects.create(
        decision=decision, round=(previous.round + 1) if previous else 1, reason=reason
    )
    decision.status = DecisionStatus.ASSESSING
    decision.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "assessment_start",
        decision,
        {"before": {"status": before}, "after": {"status": decision.status, "round": assessment.round}},
    )
    return assessment


@transaction.atomic
def assessment_start(*, actor: Any, decision: MajorDecision, reason: str = "") -> Assessment:
    """Start the assessment of a listed decision, or re-assess an assessed one after its plan was
    adjusted (RA-03, RA-07: a high or medium risk is lowered first, then assessed again; a reason is
    required). A decided decision is not re-assessed."""
    decision = _lock(decision)
    _require_assessor(actor, decision)
    if decision.status == DecisionStatus.ASSESSED:
        reason = _text(reason, "reason", message=_("重新评估应当说明理由（如方案已调整）。"))
    else:
        reason = _text(reason, "reason", required=False)
    return _assessment_open(decision, actor, reason)


@dataclass
class StepData:
    """One step as recorded: kind, the day it was done, what was done and found, and documents
    (uploaded files: anything with name, size and read())."""

    kind: str
    date: datetime.date
    text: str
    documents: list[Any] = field(default_factory=list)


@transaction.atomic
def assessment_step_record(*, actor: Any, decision: MajorDecision, data: StepData) -> AssessmentStep:
    """Record one step of the open assessment (RA-02, RA-05), with its documents (checked by content
    and size like every upload). A listed decision's assessment starts with its first step."""
    decision = _lock(decision)
    _require_assessor(actor, decision)
    errors: dict[str, str] = {}
    if data.kind not in StepKind.values:
        errors["kind"] = _("请选择评估环节。")
    if not isinstance(data.date, datetime.date):
        errors["date"] = _("请填写日期。")
    elif data.date > timezone.localdate():
        errors["date"] = _("日期不能晚于今天。")
    if errors:
        raise ValidationError(errors, code="invalid")
    text = _text(data.text, "text", message=_("请填写该环节的工作内容和发现的风险点。"))
    # Files are checked before anything is written: a bad file leaves nothing behind.
    checked = []
    for upload in data.documents:
        try:
            checked.append(attachment_check(upload))
        except ValidationError as exc:
            raise ValidationError({"documents": exc.message_dict.get("attachments", exc.messages)}) from None
    if len({c.sha256 for c in checked}) != len(checked):
        raise ValidationError({"documents": _("同一文件上传了两次。")}, code="duplicate")
    if decision.status == DecisionStatus.LISTED:
        assessment = _assessment_open(decision, actor, "")
    elif decision.status == DecisionStatus.ASSESSING:
        assessment = _current_assessment(decision)  # type: ignore[assignment]
    else:
        raise ServiceError(_("评估已作出结论，不能再记录评估环节；如方案已调整，请先启动重新评估。"), code="transition")
    now = timezone.now()
    step = AssessmentStep.objects.create(
        assessment=assessment,
        kind=data.kind,
        date=data.date,
        text=text,
        author=actor if actor.pk else None,
        completed_at=now,
    )
    for item in checked:
        document = StepDocument(
            step=step, original_name=item.name, content_type=item.content_type, size=item.size, sha256=item.sha256
        )
        document.file.save(item.name, ContentFile(item.content), save=False)
        document.save()
    _audit(
        actor,
        "step_record",
        decision,
        {"after": {"round": assessment.round, "kind": step.kind, "date": step.date, "documents": len(checked)}},
    )
    return step


@transaction.atomic
def assessment_conclude(
    *, actor: Any, decision: MajorDecision, level: str, measures: str, conclusion: str
) -> Assessment:
    """Conclude the open assessment: the risk level (RA-04), the prevention measures and contingency
    plan (RA-02; required for the levels in XINFANG_RISK_MEASURES_REQUIRED_LEVELS) and the
    conclusion. The steps of XINFANG_RISK_REQUIRED_STEPS must have been recorded first."""
    decision = _lock(decision)
    _require_assessor(actor, decision)
    _expect(decision, DecisionStatus.ASSESSED)
    assessment = _current_assessment(decision)
    assert assessment is not None  # assessing always has an open round
    errors: dict[str, str] = {}
    if level not in RiskLevel.values:
        errors["level"] = _("请选择风险等级。")
    measures = (measures or "").strip()
    if level in settings.XINFANG_RISK_MEASURES_REQUIRED_LEVELS and not measures:
        errors["measures"] = _("%(level)s的评估结论应当提出风险防范措施和处置预案（RA-02）。") % {
            "level": RiskLevel(level).label
        }
    if not (conclusion or "").strip():
        errors["conclusion"] = _("请填写评估结论。")
    if errors:
        raise ValidationError(errors, code="invalid")
    done = set(assessment.steps.values_list("kind", flat=True))
    missing = [StepKind(k).label for k in settings.XINFANG_RISK_REQUIRED_STEPS if k not in done]
    if missing:
        raise ServiceError(
            _("尚未记录以下评估环节，不能作出结论（RA-02）：%(steps)s。")
            % {"steps": "、".join(str(m) for m in missing)},
            code="steps_missing",
        )
    assessment.level = level
    assessment.measures = _text(measures, "measures", required=False)
    assessment.conclusion = _text(conclusion, "conclusion")
    assessment.status = AssessmentStatus.CONCLUDED
    assessment.concluded_at = timezone.now()
    assessment.concluded_by = actor if actor.pk else None
    assessment.save()
    decision.status = DecisionStatus.ASSESSED
    decision.save(update_fields=["status", "updated_at"])
    _audit(
        actor,
        "assessment_conclude",
        decision,
        {
            "before": {"status": DecisionStatus.ASSESSING},
            "after": {"status": decision.status, "round": assessment.round, "level": level},
        },
    )
    return assessment


# --- The decision --------------------------------------------------------------------------------


@transaction.atomic
def decision_decide(
    *, actor: Any, decision: MajorDecision, outcome: str, note: str = "", measures: str = ""
) -> MajorDecision:
    """Record what the decision body decided, within what the assessed level permits
    (XINFANG_RISK_PERMITTED_OUTCOMES; defaults RA-03, RA-06, RA-07): after a high-risk conclusion
    the decision is not implemented or postponed, never approved; "approved with measures" needs the
    prevention measures recorded (taken from the assessment when none are given); an open review
    flag must be dealt with first."""
    decision = _lock(decision)
    _require_decision_body(actor, decision)
    _expect(decision, DecisionStatus.DECIDED)
    assessment = _current_assessment(decision)
    assert assessment is not None and assessment.status == AssessmentStatus.CONCLUDED
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("请选择决策结果。")}, code="invalid")
    allowed = permitted_outcomes(assessment.level)
    if outcome not in allowed:
        labels = "、".join(str(Outcome(o).label) for o in allowed) or _("无")
        if assessment.level == RiskLevel.HIGH and outcome in APPROVALS:
            message = _(
                "评估结论为高风险，不能作出实施决定（RA-03、RA-06、RA-07）：应当不予实施，"
                "或调整方案降低风险后重新评估。可选结果：%(allowed)s。"
            ) % {"allowed": labels}
        else:
            message = _("评估结论为%(level)s，不能选择“%(outcome)s”。可选结果：%(allowed)s。") % {
                "level": RiskLevel(assessment.level).label,
                "outcome": Outcome(outcome).label,
                "allowed": labels,
            }
        raise ServiceError({"outcome": message}, code="not_permitted")
    measures = (measures or "").strip()
    if outcome == Outcome.APPROVED_WITH_MEASURES:
        measures = measures or assessment.measures.strip()
        if not measures:
            raise ServiceError(
                {"measures": _("“落实防范措施后实施”应当载明风险防范措施（RA-06）；评估结论也未提出措施。")},
                code="measures_missing",
            )
    if decision.review_flags.filter(resolved_at__isnull=True).exists():
        raise ServiceError(
            _("该决策事项有未处理的复核提示（信访或网格事件聚集），请先处理后再作决策。"), code="flag_open"
        )
    decision.outcome = outcome
    decision.outcome_note = _text(note, "note", required=False)
    decision.outcome_measures = _text(measures, "measures", required=False)
    decision.decided_at = timezone.now()
    decision.decided_by = actor if actor.pk else None
    decision.status = DecisionStatus.DECIDED
    decision.save()
    _audit(
        actor,
        "decide",
        decision,
        {
            "before": {"status": DecisionStatus.ASSESSED},
            "after": {"status": decision.status, "outcome": outcome, "level": assessment.level},
        },
    )
    return decision


# --- Review flags: petitions and grid events clustering around a decision --------------------------


@dataclass(frozen=True)
class ClusterItem:
    """One petition matter or grid event counted around a decision, and why."""

    kind: str  # "matter" | "grid_event"
    pk: int
    number: str
    at: datetime.datetime
    rules: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.pk,
            "number": self.number,
            "at": self.at.isoformat(),
            "rules": list(self.rules),
        }


def _grid_event_model() -> Any:
    """The grid app's event model, or None while that app is not installed (risk only reads it)."""
    if not apps.is_installed("xinfang.grid"):
        return None
    try:
        return apps.get_model("grid", "GridEvent")
    except LookupError:
        return None


def _text_q(fields: tuple[str, ...], words: list[str]) -> Q:
    q = Q()
    for word in words:
        for name in fields:
            q |= Q(**{f"{name}__icontains": word})
    return q


def _rules_of(texts: list[str], decision: MajorDecision, place_hit: bool) -> tuple[str, ...]:
    blob = "\n".join(texts).lower()
    rules = []
    if decision.project_code and decision.project_code.lower() in blob:
        rules.append(ClusterRule.PROJECT_CODE.value)
    if place_hit:
        rules.append(ClusterRule.PLACE.value)
    if any(word.lower() in blob for word in decision.keywords):
        rules.append(ClusterRule.KEYWORD.value)
    return tuple(rules)


def decision_cluster(decision: MajorDecision, *, start: datetime.datetime, end: datetime.datetime) -> list[ClusterItem]:
    """The petition matters (received) and grid events (reported) between `start` and `end` that
    gather around the decision: its project code in their text, a place in the decision's place
    subtree, or one of its keywords in their text. A grid event turned into a petition counts once
    (as the matter). Reads everything (a background check, not a user's view)."""
    words = [w for w in [decision.project_code, *decision.keywords] if w]
    place_path = decision.place.path if decision.place is not None else ""
    if not words and not place_path:
        return []
    items: list[ClusterItem] = []
    matter_fields = ("title", "request", "facts")
    q = _text_q(matter_fields, words)
    if place_path:
        q |= Q(place_org__path__startswith=place_path)
    matters = (
        Matter.objects.filter(q, received_at__gte=start, received_at__lte=end)
        .select_related("place_org")
        .only("pk", "number", "received_at", "title", "request", "facts", "place_org__path")
        .order_by("received_at", "pk")
    )
    for m in matters:
        place_hit = bool(place_path and m.place_org is not None and m.place_org.path.startswith(place_path))
        rules = _rules_of([m.title, m.request, m.facts], decision, place_hit)
        if rules:
            items.append(ClusterItem("matter", m.pk, m.number, m.received_at, rules))
    GridEvent = _grid_event_model()
    if GridEvent is not None:
        event_fields = ("description", "place_text")
        q = _text_q(event_fields, words)
        if place_path:
            q |= Q(grid__path__startswith=place_path)
        events = (
            GridEvent.objects.filter(q, reported_at__gte=start, reported_at__lte=end)
            .select_related("grid")
            .only("pk", "number", "reported_at", "description", "place_text", "matter_id", "grid__path")
            .order_by("reported_at", "pk")
        )
        counted = {item.pk for item in items}
        for e in events:
            if e.matter_id is not None and e.matter_id in counted:
                continue
            place_hit = bool(place_path and e.grid.path.startswith(place_path))
            rules = _rules_of([e.description, e.place_text], decision, place_hit)
            if rules:
                items.append(ClusterItem("grid_event", e.pk, e.number, e.reported_at, rules))
    items.sort(key=lambda item: (item.at, item.kind, item.pk))
    return items


def _watched_decisions(now: datetime.datetime) -> Any:
    months = int(settings.XINFANG_RISK_CLUSTER_DECIDED_MONTHS)
    decided_since = now - datetime.timedelta(days=round(months * 30.44))
    return (
        MajorDecision.objects.filter(
            Q(status__in=[DecisionStatus.LISTED, DecisionStatus.ASSESSING, DecisionStatus.ASSESSED])
            | Q(status=DecisionStatus.DECIDED, decided_at__gte=decided_since)
        )
        .select_related("organisation", "place", "decision_list")
        .order_by("pk")
    )


@transaction.atomic
def risk_cluster_check(
    *, since: datetime.datetime | None = None, actor: Any = SYSTEM, now: datetime.datetime | None = None
) -> list[ReviewFlag]:
    """For each decision not yet decided (or decided within XINFANG_RISK_CLUSTER_DECIDED_MONTHS),
    count the petitions and grid events that gather around it (`decision_cluster`) since `since`
    (default: the last XINFANG_RISK_CLUSTER_WINDOW_DAYS days). At XINFANG_RISK_CLUSTER_MIN or more,
    flag its current assessment for review — once per assessment round (idempotent: running again
    adds nothing). Returns the flags raised now. Runs as SYSTEM (command, worker task)."""
    require(actor, Action.RISK_MANAGE)
    now = now or timezone.now()
    start = since or (now - datetime.timedelta(days=int(settings.XINFANG_RISK_CLUSTER_WINDOW_DAYS)))
    threshold = max(1, int(settings.XINFANG_RISK_CLUSTER_MIN))
    raised: list[ReviewFlag] = []
    for decision in _watched_decisions(now):
        assessment = _current_assessment(decision)
        key = f"{decision.pk}:{assessment.round if assessment else 0}"
        if ReviewFlag.objects.filter(key=key).exists():
            continue
        items = decision_cluster(decision, start=start, end=now)
        if len(items) < threshold:
            continue
        matters = sum(1 for i in items if i.kind == "matter")
        events = len(items) - matters
        reason = _(
            "自 %(start)s 起共有 %(count)s 件信访事项和网格事件与本决策相关（信访事项 %(matters)s 件，"
            "网格事件 %(events)s 件），达到 %(min)s 件的复核提示标准。"
        ) % {
            "start": timezone.localtime(start).strftime("%Y-%m-%d"),
            "count": len(items),
            "matters": matters,
            "events": events,
            "min": threshold,
        }
        flag = ReviewFlag.objects.create(
            key=key,
            decision=decision,
            assessment=assessment,
            reason=reason,
            matched=[item.as_json() for item in items[:MAX_MATCHED_STORED]],
            matched_count=len(items),
            window_start=start,
        )
        _audit(
            actor,
            "flag_raise",
            decision,
            {
                "after": {
                    "flag": flag.pk,
                    "round": assessment.round if assessment else 0,
                    "count": len(items),
                    "matters": matters,
                    "grid_events": events,
                }
            },
        )
        raised.append(flag)
    return raised


@transaction.atomic
def review_flag_resolve(*, actor: Any, flag: ReviewFlag, resolution: str, reassess: bool = False) -> ReviewFlag:
    """Deal with a review flag: the resolution says what was reviewed and found. With `reassess`,
    a decision already assessed is assessed again (a new round, RA-03/RA-07) with the resolution as
    its reason; an open assessment simply continues and takes the flag into account."""
    flag = ReviewFlag.objects.select_for_update().select_related("decision").get(pk=flag.pk)
    decision = _lock(flag.decision)
    _require_decision_body(actor, decision)
    if flag.resolved_at is not None:
        raise ServiceError(_("该复核提示已经处理。"), code="resolved")
    resolution = _text(resolution, "resolution", message=_("请填写复核处理意见。"))
    if reassess and decision.status != DecisionStatus.ASSESSED:
        raise ServiceError({"reassess": _("只有已评估、尚未决策的事项可以启动重新评估。")}, code="reassess")
    flag.resolved_at = timezone.now()
    flag.resolved_by = actor if actor.pk else None
    flag.resolution = resolution
    flag.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    _audit(actor, "flag_resolve", decision, {"after": {"flag": flag.pk, "reassess": bool(reassess)}})
    if reassess:
        _assessment_open(decision, actor, resolution)
    return flag
