"""Writes of the order app (docs/order.md). Every service is keyword-only, checks `order.manage`
(docs/permissions.md) at the right organisation, validates before it writes, and records its audit
event as the last write of its one transaction. Nothing here imposes a sanction (XF-BEH-02): the
system records conduct and what staff and the police did.

- conduct: `conduct_record`, `conduct_evidence_add` (XF-BEH-01, XF-BEH-02);
- early warning: `order_warning_check` (the cluster check, run as SYSTEM by the command and the task),
  `warning_acknowledge`, `warning_close`;
- litigation-related matters (XF-HDL-03, 诉访分离; O3): `litigation_track_open`, `litigation_level_change`."""

from __future__ import annotations

import datetime
import re
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.core.actors import SYSTEM
from xinfang.core.errors import ServiceError, clean_text
from xinfang.orgs.models import Kind, Organisation
from xinfang.petitions.models import Matter, MatterParticipant, Petitioner
from xinfang.petitions.services.intake import attachment_check
from xinfang.petitions.states import Nature

from .config import WarningConfig, warning_config
from .models import ClusterWarning, ConductEvidence, ConductRecord, LitigationLevelChange, LitigationTrack
from .states import LIVE_WARNING_STATUSES, ConductKind, LitigationLevel, ResponseKind, WarningKind, WarningStatus

MAX_FILES = 10
MAX_MATTERS = 20
CLOCK_SKEW = datetime.timedelta(minutes=5)


def _audit(actor: Any, action: str, target: Any, org_id: int | None, summary: dict[str, Any]) -> None:
    audit_record(actor=actor, action=f"order.{action}", target=target, org_id=org_id, summary=summary)


def _evidence_save(record: ConductRecord, checked: Iterable[Any]) -> int:
    count = 0
    for item in checked:
        if record.evidence.filter(sha256=item.sha256).exists():
            continue
        evidence = ConductEvidence(
            record=record,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
        )
        evidence.file.save(item.name, ContentFile(item.content), save=False)
        evidence.save()
        count += 1
    return count


def _files_check(files: Sequence[Any]) -> list[Any]:
    if len(files) > MAX_FILES:
        raise ValidationError({"attachments": _("一次最多上传 %(max)s 个文件。") % {"max": MAX_FILES}}, code="files")
    return [attachment_check(upload) for upload in files]


# --- Conduct records (XF-BEH-01, XF-BEH-02) ------------------------------------------------------


@dataclass
class ConductData:
    """An incident as recorded by staff."""

    kind: str
    occurred_at: datetime.datetime
    place_text: str
    description: str
    responses: list[str]
    matters: list[Matter]
    petitioners: list[Petitioner] = field(default_factory=list)
    place_org: Organisation | None = None
    response_note: str = ""
    police_unit: str = ""
    police_handed_at: datetime.datetime | None = None
    police_note: str = ""
    other_persons: str = ""


def _conduct_validate(actor: Any, data: ConductData) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if data.kind not in ConductKind.values:
        errors["kind"] = _("请选择条例第二十六条所列的行为类型。")
    now = timezone.now()
    if data.occurred_at is None:
        errors["occurred_at"] = _("请填写发生时间。")
    elif data.occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = _("发生时间不能晚于现在。")
    values: dict[str, Any] = {}
    for name, message, limit in (
        ("place_text", _("请填写详细地点。"), 200),
        ("description", _("请填写经过。"), 5000),
        ("response_note", "", 5000),
        ("police_unit", "", 120),
        ("police_note", "", 5000),
        ("other_persons", "", 200),
    ):
        try:
            values[name] = clean_text(getattr(data, name), name, message, max_chars=limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    responses = list(dict.fromkeys(data.responses or []))
    if not responses:
        errors["responses"] = _("请选择处置方式：劝阻、批评、教育，或移交公安机关（XF-BEH-02）。")
    elif any(r not in ResponseKind.values for r in responses):
        errors["responses"] = _("处置方式只能是劝阻、批评、教育或移交公安机关；本系统不作出处罚。")
    police = ResponseKind.POLICE in responses
    if police:
        if not values.get("police_unit"):
            errors["police_unit"] = _("移交公安机关的，请填写公安机关名称。")
        if data.police_handed_at is None:
            errors["police_handed_at"] = _("移交公安机关的，请填写移交时间。")
        elif data.occurred_at is not None and data.police_handed_at < data.occurred_at:
            errors["police_handed_at"] = _("移交时间不能早于发生时间。")
        elif data.police_handed_at > now + CLOCK_SKEW:
            errors["police_handed_at"] = _("移交时间不能晚于现在。")
    elif values.get("police_unit") or data.police_handed_at or values.get("police_note"):
        errors["police_unit"] = _("未选择“移交公安机关依法处置”的，不填写公安机关的处置情况。")
    matter_ids = list(dict.fromkeys(m.pk for m in data.matters or []))
    if not matter_ids:
        errors["matters"] = _("请关联至少一件信访事项。")
    elif len(matter_ids) > MAX_MATTERS:
        errors["matters"] = _("最多关联 %(max)s 件信访事项。") % {"max": MAX_MATTERS}
    elif Matter.objects.restrict(actor, Action.MATTER_VIEW).filter(pk__in=matter_ids).count() != len(matter_ids):
        errors["matters"] = _("只能关联您有权查看的信访事项。")
    petitioner_ids = list(dict.fromkeys(p.pk for p in data.petitioners or []))
    if petitioner_ids and matter_ids:
        known = set(
            MatterParticipant.objects.filter(matter_id__in=matter_ids, petitioner_id__in=petitioner_ids).values_list(
                "petitioner_id", flat=True
            )
        )
        if known != set(petitioner_ids):
            errors["petitioners"] = _("涉及信访人应当是所关联信访事项的信访人。")
    if errors:
        raise ValidationError(errors, code="invalid")
    values.update(responses=responses, matter_ids=matter_ids, petitioner_ids=petitioner_ids)
    return values


@transaction.atomic
def conduct_record(
    *, actor: Any, organisation: Organisation, data: ConductData, files: Sequence[Any] = ()
) -> ConductRecord:
    """Record conduct of 条例 Art. 26 (XF-BEH-01) and the lawful response (XF-BEH-02), linked to the
    matters and their petitioners, with evidence files checked like every upload."""
    require(actor, Action.ORDER_MANAGE, organisation)
    values = _conduct_validate(actor, data)
    checked = _files_check(files)
    record = ConductRecord.objects.create(
        organisation=organisation,
        kind=data.kind,
        occurred_at=data.occurred_at,
        place_org=data.place_org,
        place_text=values["place_text"],
        description=values["description"],
        responses=values["responses"],
        response_note=values["response_note"],
        police_unit=values["police_unit"],
        police_handed_at=data.police_handed_at if ResponseKind.POLICE in values["responses"] else None,
        police_note=values["police_note"],
        other_persons=values["other_persons"],
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    record.matters.set(values["matter_ids"])
    record.petitioners.set(values["petitioner_ids"])
    evidence = _evidence_save(record, checked)
    _audit(
        actor,
        "conduct_record",
        record,
        organisation.pk,
        {
            "after": {
                "kind": record.kind,
                "responses": record.responses,
                "matters": values["matter_ids"],
                "petitioners": values["petitioner_ids"],
                "evidence": evidence,
            }
        },
    )
    return record


@transaction.atomic
def conduct_evidence_add(*, actor: Any, record: ConductRecord, files: Sequence[Any]) -> int:
    """Add evidence to a record (the same file twice is kept once). Returns how many were added."""
    record = ConductRecord.objects.select_for_update().get(pk=record.pk)
    require(actor, Action.ORDER_MANAGE, record.organisation)
    if not files:
        raise ValidationError({"attachments": _("请选择文件。")}, code="required")
    checked = _files_check(files)
    added = _evidence_save(record, checked)
    _audit(actor, "evidence_add", record, record.organisation_id, {"after": {"evidence": added}})
    return added


# --- Early warning when matters cluster ------------------------------------------------------------

ORG_SUFFIX = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团公司",
    "集团",
    "公司",
    "物业服务中心",
    "物业管理处",
    "合作社",
    "工厂",
)
_SUFFIX_RE = re.compile("|".join(re.escape(s) for s in ORG_SUFFIX))
_NAME_CHAR_RE = re.compile(r"[\u4e00-\u9fffA-Za-z0-9（）()]+$")
# Words that end the text before a name ("反映某某公司拖欠工资" → "某某公司").
_STOP_RE = re.compile(
    r"反映|投诉|没有|目前|现在|小区|举报|要求|请求|希望|关于|我们|本人|业主|员工|工人|村民|居民|认为|导致|以及|"
    r"其中|包括|位于|对于|由于|因为|通过|他们|承建|施工方|开发商|[在被向对与和及的是为给由让跟从称系该其原]"
)
MAX_NAME = 40
# A trade word alone before the suffix is no name ("物业公司", "自来水公司", "公交公司").
GENERIC_STEMS = frozenset(
    [
        "物业",
        "物业管理",
        "物管",
        "自来水",
        "供水",
        "供电",
        "电力",
        "燃气",
        "煤气",
        "公交",
        "开发",
        "房地产",
        "地产",
        "快递",
        "物流",
        "保险",
        "建筑",
        "施工",
        "劳务",
        "电信",
        "移动",
        "联通",
        "网络",
        "装修",
        "中介",
        "家政",
        "保安",
        "运输",
        "出租车",
        "担保",
        "贷款",
        "培训",
        "投资",
        "外卖",
        "水务",
        "城投",
        "环卫",
        "该",
        "本",
        "这家",
        "那家",
        "一家",
        "某",
        "某某",
    ]
)


def _normalise_name(value: str) -> str:
    return re.sub(r"\s+", "", value).replace("(", "（").replace(")", "）")


def names_in(text: str, watched: Sequence[str] = ()) -> set[str]:
    """Company and organisation names in `text`: every watched name present, and each run of
    characters ending in a company suffix (有限公司, 集团, 物业服务中心 …), cut after the last
    reporting verb or particle before it. Only names of 2 or more characters before the suffix."""
    text = text or ""
    found = {name for name in (_normalise_name(n) for n in watched) if name and name in text}
    for match in _SUFFIX_RE.finditer(text):
        head = text[max(0, match.start() - MAX_NAME) : match.start()]
        run = _NAME_CHAR_RE.search(head)
        if run is None:
            continue
        stem = _STOP_RE.split(run.group())[-1]
        if len(stem) < 2 or stem in GENERIC_STEMS:
            continue
        found.add(_normalise_name(stem + match.group()))
    # "某某物业有限公司" also ends in "公司", "某某集团有限公司" starts with "某某集团": keep the longest.
    return {n for n in found if not any(len(o) > len(n) and (o.endswith(n) or o.startswith(n)) for o in found)}


@dataclass
class _Cluster:
    kind: str
    label: str
    organisation_id: int
    matter_ids: set[int] = field(default_factory=set)
    event_ids: set[int] = field(default_factory=set)
    latest: datetime.datetime | None = None  # when the newest item was registered (matter) or reported (event)

    def add(self, kind: str, pk: int, at: datetime.datetime) -> None:
        (self.matter_ids if kind == "matter" else self.event_ids).add(pk)
        if self.latest is None or at > self.latest:
            self.latest = at

    @property
    def total(self) -> int:
        return len(self.matter_ids) + len(self.event_ids)


@dataclass
class WarningCheckResult:
    raised: list[ClusterWarning] = field(default_factory=list)
    updated: list[ClusterWarning] = field(default_factory=list)
    matters: int = 0
    grid_events: int = 0
    clusters: int = 0
    seconds: float = 0.0


class _Areas:
    """Place roll-up (a grid counts for its village or community) and the district of a path."""

    def __init__(self) -> None:
        self.districts = list(
            Organisation.objects.filter(kind=Kind.DISTRICT, is_external=False).values_list("pk", "path", "name")
        )
        self._places: dict[int, tuple[int, str]] = {}

    def district_of(self, path: str) -> int | None:
        for pk, prefix, _name in self.districts:
            if path.startswith(prefix):
                return pk
        return None

    def load_places(self, ids: set[int]) -> None:
        rows = Organisation.objects.filter(pk__in=ids).values_list("pk", "kind", "parent_id", "name")
        parents = {parent for _pk, kind, parent, _n in rows if kind == Kind.GRID and parent}
        names = dict(Organisation.objects.filter(pk__in=parents).values_list("pk", "name")) if parents else {}
        for pk, kind, parent, name in rows:
            self._places[pk] = (parent, names.get(parent, name)) if kind == Kind.GRID and parent else (pk, name)

    def place(self, pk: int) -> tuple[int, str]:
        return self._places[pk]


def _cluster_items(
    config: WarningConfig, start: datetime.datetime, end: datetime.datetime
) -> tuple[dict[str, _Cluster], int, int]:
    """Every cluster key of the window with the matters and grid events behind it. One indexed
    range query on `Matter.received_at` (and one on grid events), the rest in memory."""
    areas = _Areas()
    clusters: dict[str, _Cluster] = {}
    place_hits: dict[int, list[tuple[str, int, datetime.datetime]]] = defaultdict(list)

    def hit(key: str, kind: str, label: str, org_id: int, item: str, pk: int, at: datetime.datetime) -> None:
        cluster = clusters.get(key)
        if cluster is None:
            cluster = clusters[key] = _Cluster(kind, label[:120], org_id)
        cluster.add(item, pk, at)

    # One compiled alternation per theme: far quicker than testing each keyword in turn.
    patterns = [
        (theme, re.compile("|".join(re.escape(w) for w in theme.keywords)) if theme.keywords else None)
        for theme in config.themes
    ]

    def classify(item: str, pk: int, at: datetime.datetime, text: str, type_code: str, path: str) -> None:
        district = areas.district_of(path or "")
        if district is None:
            return
        for theme, pattern in patterns:
            if (type_code and type_code in theme.matter_types) or (pattern is not None and pattern.search(text)):
                hit(f"theme:{theme.code}@{district}", WarningKind.THEME, theme.label, district, item, pk, at)
        for name in names_in(text, config.names):
            hit(f"name:{name}@{district}", WarningKind.NAME, name, district, item, pk, at)

    matters = Matter.objects.filter(received_at__gte=start, received_at__lte=end).values_list(
        "pk",
        "registered_at",
        "title",
        "request",
        "facts",
        "reported_names",
        "matter_type__code",
        "place_org_id",
        "registered_org__path",
    )
    n_matters = 0
    for pk, at, title, request, facts, reported, type_code, place_id, path in matters.iterator(chunk_size=2000):
        n_matters += 1
        classify("matter", pk, at, f"{title}\n{request}\n{facts}\n{reported}", type_code or "", path)
        if place_id:
            place_hits[place_id].append(("matter", pk, at))
    n_events = 0
    GridEvent = (
        apps.get_model("grid", "GridEvent") if config.grid_events and apps.is_installed("xinfang.grid") else None
    )
    if GridEvent is not None:
        events = GridEvent.objects.filter(
            reported_at__gte=start, reported_at__lte=end, matter__isnull=True
        ).values_list("pk", "reported_at", "description", "place_text", "grid_id", "grid__path")
        for pk, at, description, place_text, grid_id, path in events.iterator(chunk_size=2000):
            n_events += 1
            classify("grid_event", pk, at, f"{description}\n{place_text}", "", path)
            place_hits[grid_id].append(("grid_event", pk, at))
    areas.load_places(set(place_hits))
    for place_id, items in place_hits.items():
        org_id, name = areas.place(place_id)
        for item, pk, at in items:
            hit(f"place:{org_id}", WarningKind.PLACE, name, org_id, item, pk, at)
    return clusters, n_matters, n_events


def _warning_fill(warning: ClusterWarning, cluster: _Cluster, config: WarningConfig, start: Any, now: Any) -> None:
    warning.matter_count = len(cluster.matter_ids)
    warning.grid_event_count = len(cluster.event_ids)
    warning.grid_event_ids = sorted(cluster.event_ids)[:500]
    warning.threshold = config.threshold
    warning.window_days = config.window_days
    warning.window_start = start
    warning.checked_at = now


def _matters_sync(wanted: dict[int, set[int]]) -> None:
    """Make each warning's matters the given set: one read of the current links, one delete per
    warning that lost matters, one bulk insert of all new links (not a `set()` per warning)."""
    Link = ClusterWarning.matters.through
    current: dict[int, set[int]] = defaultdict(set)
    for warning_id, matter_id in Link.objects.filter(clusterwarning_id__in=list(wanted)).values_list(
        "clusterwarning_id", "matter_id"
    ):
        current[warning_id].add(matter_id)
    new_links: list[Any] = []
    for warning_id, matter_ids in wanted.items():
        have = current.get(warning_id, set())
        gone = have - matter_ids
        if gone:
            Link.objects.filter(clusterwarning_id=warning_id, matter_id__in=list(gone)).delete()
        new_links.extend(Link(clusterwarning_id=warning_id, matter_id=m) for m in matter_ids - have)
    Link.objects.bulk_create(new_links, batch_size=5000)


@transaction.atomic
def order_warning_check(*, actor: Any = SYSTEM, now: datetime.datetime | None = None) -> WarningCheckResult:
    """Count the matters received (and grid events reported) in the last WINDOW_DAYS by theme,
    place and company name (settings.XINFANG_ORDER_WARNING). A cluster of THRESHOLD or more items
    raises a warning — one live warning per cluster key: a later check updates its counts and
    matters instead of adding another. A closed warning is raised again only when an item joined
    the cluster after it was closed. Live warnings whose cluster shrank are updated too. Idempotent."""
    require(actor, Action.ORDER_MANAGE)
    began = time.perf_counter()
    config = warning_config()
    now = now or timezone.now()
    start = now - datetime.timedelta(days=config.window_days)
    clusters, n_matters, n_events = _cluster_items(config, start, now)
    result = WarningCheckResult(matters=n_matters, grid_events=n_events, clusters=len(clusters))
    live = {w.key: w for w in ClusterWarning.objects.filter(status__in=LIVE_WARNING_STATUSES).select_for_update()}
    due = {key: c for key, c in clusters.items() if c.total >= config.threshold}
    closed_at: dict[str, datetime.datetime] = {}
    for key, at in (
        ClusterWarning.objects.filter(status=WarningStatus.CLOSED, key__in=[k for k in due if k not in live])
        .order_by("key", "closed_at")
        .values_list("key", "closed_at")
    ):
        if at is not None:
            closed_at[key] = at
    wanted: dict[int, set[int]] = {}
    changed: list[ClusterWarning] = []
    for key, warning in live.items():
        cluster = clusters.get(key) or _Cluster(warning.kind, warning.label, warning.organisation_id)
        before = (warning.matter_count, warning.grid_event_count, warning.grid_event_ids)
        _warning_fill(warning, cluster, config, start, now)
        if before != (warning.matter_count, warning.grid_event_count, warning.grid_event_ids):
            changed.append(warning)
        wanted[warning.pk] = cluster.matter_ids
        result.updated.append(warning)
    # What every live warning shares in one statement; the counts only where they changed.
    ClusterWarning.objects.filter(pk__in=list(wanted)).update(
        threshold=config.threshold, window_days=config.window_days, window_start=start, checked_at=now
    )
    ClusterWarning.objects.bulk_update(changed, ["matter_count", "grid_event_count", "grid_event_ids"], batch_size=200)
    fresh: list[tuple[ClusterWarning, _Cluster]] = []
    for key, cluster in sorted(due.items()):
        if key in live:
            continue
        last_closed = closed_at.get(key)
        if last_closed is not None and (cluster.latest is None or cluster.latest <= last_closed):
            continue
        warning = ClusterWarning(
            key=key, kind=cluster.kind, label=cluster.label, organisation_id=cluster.organisation_id
        )
        _warning_fill(warning, cluster, config, start, now)
        fresh.append((warning, cluster))
    created = ClusterWarning.objects.bulk_create([w for w, _c in fresh], batch_size=500)
    for warning, (_w, cluster) in zip(created, fresh, strict=True):
        wanted[warning.pk] = cluster.matter_ids
        result.raised.append(warning)
    _matters_sync(wanted)
    for warning in result.raised:
        _audit(
            actor,
            "warning_raise",
            warning,
            warning.organisation_id,
            {"after": {"key": warning.key, "matters": warning.matter_count, "grid_events": warning.grid_event_count}},
        )
    result.seconds = time.perf_counter() - began
    return result


def _warning_lock(warning: ClusterWarning) -> ClusterWarning:
    return ClusterWarning.objects.select_for_update().select_related("organisation").get(pk=warning.pk)


@transaction.atomic
def warning_acknowledge(*, actor: Any, warning: ClusterWarning, note: str) -> ClusterWarning:
    """Someone responsible has seen the warning and says what is being done; it stays live (the
    check keeps updating it)."""
    warning = _warning_lock(warning)
    require(actor, Action.ORDER_MANAGE, warning.organisation)
    if warning.status != WarningStatus.OPEN:
        raise ServiceError(_("只有待处理的预警可以标记为已知悉。"), code="status")
    note = clean_text(note, "note", _("请填写处理情况。"))
    warning.status = WarningStatus.ACKNOWLEDGED
    warning.acknowledged_at = timezone.now()
    warning.acknowledged_by = actor if getattr(actor, "pk", None) else None
    warning.note = note
    warning.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "note"])
    _audit(actor, "warning_acknowledge", warning, warning.organisation_id, {"after": {"status": warning.status}})
    return warning


@transaction.atomic
def warning_close(*, actor: Any, warning: ClusterWarning, note: str) -> ClusterWarning:
    """Close the warning with what was found and done. The same cluster warns again only when a
    new matter or grid event joins it after now."""
    warning = _warning_lock(warning)
    require(actor, Action.ORDER_MANAGE, warning.organisation)
    if not warning.is_live:
        raise ServiceError(_("该预警已经关闭。"), code="status")
    note = clean_text(note, "note", _("请填写处理情况。"))
    before = warning.status
    warning.status = WarningStatus.CLOSED
    warning.closed_at = timezone.now()
    warning.closed_by = actor if getattr(actor, "pk", None) else None
    warning.note = f"{warning.note}\n{note}".strip() if warning.note else note
    warning.save(update_fields=["status", "closed_at", "closed_by", "note"])
    _audit(
        actor,
        "warning_close",
        warning,
        warning.organisation_id,
        {"before": {"status": before}, "after": {"status": "closed"}},
    )
    return warning


# --- Litigation-related matters: the court's four-level model (XF-HDL-03, O3) ---------------------


def _require_matter_order(actor: Any, matter: Matter) -> None:
    """order.manage over where the matter was registered or where it is now."""
    if not user_can(actor, Action.ORDER_MANAGE, matter.current_org):
        require(actor, Action.ORDER_MANAGE, matter.registered_org)


@dataclass
class LevelData:
    level: str
    responsible_org: Organisation
    responsible_person: str
    reason: str
    joint_orgs: list[Organisation] = field(default_factory=list)


def _level_validate(data: LevelData) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if data.level not in LitigationLevel.values:
        errors["level"] = _("请选择办理层级：首次办理、主办、领导督办或联合办理。")
    if data.responsible_org is None or not data.responsible_org.is_active:
        errors["responsible_org"] = _("请选择责任单位。")
    values: dict[str, Any] = {}
    for name, message, limit in (
        ("responsible_person", _("请填写责任人（领导督办的，填写督办领导）。"), 60),
        ("reason", _("请填写理由。"), 5000),
    ):
        try:
            values[name] = clean_text(getattr(data, name), name, message, max_chars=limit)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    joint = list({o.pk: o for o in data.joint_orgs or []}.values())
    if data.level == LitigationLevel.JOINT:
        others = [o for o in joint if data.responsible_org is None or o.pk != data.responsible_org.pk]
        if not others:
            errors["joint_orgs"] = _("联合办理的，请选择责任单位以外的至少一个联合办理单位。")
    elif joint:
        errors["joint_orgs"] = _("只有联合办理需要填写联合办理单位。")
    if errors:
        raise ValidationError(errors, code="invalid")
    values["joint_ids"] = sorted(o.pk for o in joint if o.pk != data.responsible_org.pk)
    return values


@transaction.atomic
def litigation_track_open(*, actor: Any, matter: Matter, data: LevelData) -> LitigationTrack:
    """Put a litigation-related matter (涉法涉诉类) on the four-level model, at its first level,
    usually first handling by the petition (litigation service) office. Other matters are refused:
    诉访分离 applies to litigation-related matters only (XF-HDL-03)."""
    matter = (
        Matter.objects.select_for_update(of=("self",)).select_related("registered_org", "current_org").get(pk=matter.pk)
    )
    _require_matter_order(actor, matter)
    if matter.nature != Nature.LITIGATION:
        raise ServiceError(_("只有性质为涉法涉诉类的信访事项按诉访分离实行分级办理（XF-HDL-03）。"), code="nature")
    if LitigationTrack.objects.filter(matter=matter).exists():
        raise ServiceError(_("该信访事项已经实行分级办理。"), code="duplicate")
    values = _level_validate(data)
    track = LitigationTrack.objects.create(
        matter=matter,
        level=data.level,
        responsible_org=data.responsible_org,
        responsible_person=values["responsible_person"],
        opened_by=actor if getattr(actor, "pk", None) else None,
    )
    track.joint_orgs.set(values["joint_ids"])
    LitigationLevelChange.objects.create(
        track=track,
        from_level="",
        to_level=data.level,
        responsible_org=data.responsible_org,
        responsible_person=values["responsible_person"],
        reason=values["reason"],
        changed_by=track.opened_by,
    )
    _audit(
        actor,
        "litigation_open",
        matter,
        matter.current_org_id,
        {"after": {"level": data.level, "responsible_org": data.responsible_org.pk, "joint": values["joint_ids"]}},
    )
    return track


@transaction.atomic
def litigation_level_change(*, actor: Any, track: LitigationTrack, data: LevelData) -> LitigationTrack:
    """Move the matter to another level (or hand it to another responsible organisation or person)
    with the reason; every change is kept in the history."""
    track = (
        LitigationTrack.objects.select_for_update(of=("self",))
        .select_related("matter__registered_org", "matter__current_org")
        .get(pk=track.pk)
    )
    _require_matter_order(actor, track.matter)
    values = _level_validate(data)
    current_joint = sorted(track.joint_orgs.values_list("pk", flat=True))
    if (
        data.level == track.level
        and data.responsible_org.pk == track.responsible_org_id
        and values["responsible_person"] == track.responsible_person
        and values["joint_ids"] == current_joint
    ):
        raise ServiceError(_("层级、责任单位和责任人都没有变化。"), code="unchanged")
    before = {"level": track.level, "responsible_org": track.responsible_org_id, "joint": current_joint}
    from_level = track.level
    track.level = data.level
    track.responsible_org = data.responsible_org
    track.responsible_person = values["responsible_person"]
    track.save(update_fields=["level", "responsible_org", "responsible_person", "updated_at"])
    track.joint_orgs.set(values["joint_ids"])
    LitigationLevelChange.objects.create(
        track=track,
        from_level=from_level,
        to_level=data.level,
        responsible_org=data.responsible_org,
        responsible_person=values["responsible_person"],
        reason=values["reason"],
        changed_by=actor if getattr(actor, "pk", None) else None,
    )
    _audit(
        actor,
        "litigation_level",
        track.matter,
        track.matter.current_org_id,
        {
            "before": before,
            "after": {"level": data.level, "responsible_org": data.responsible_org.pk, "joint": values["joint_ids"]},
        },
    )
    return track
