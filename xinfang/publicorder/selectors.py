"""Reads of the order app, through `Model.objects.restrict(user, action)`: conduct records and
warnings with `order.manage`, litigation tracks with `matter.view` (whoever sees the matter sees
its track), the matters behind a warning with `matter.view` (a warning never shows a matter the
reader may not see, XF-CLS-03 included)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.petitions.models import Matter, Petitioner

from .config import warning_config
from .models import ClusterWarning, ConductRecord, LitigationLevelChange, LitigationTrack
from .states import LIVE_WARNING_STATUSES, WarningKind


def conduct_visible(user: Any) -> QuerySet[ConductRecord]:
    return ConductRecord.objects.restrict(user, Action.ORDER_MANAGE)


def conduct_list(*, user: Any, kind: str = "", petitioner: Petitioner | None = None) -> QuerySet[ConductRecord]:
    qs = conduct_visible(user).select_related("organisation", "place_org")
    if kind:
        qs = qs.filter(kind=kind)
    if petitioner is not None:
        qs = qs.filter(petitioners=petitioner)
    matters = Matter.objects.only("pk", "number", "title").order_by("number")
    return qs.prefetch_related(Prefetch("matters", queryset=matters), "petitioners").order_by("-occurred_at", "-id")


def conduct_get(*, user: Any, pk: int) -> ConductRecord:
    return conduct_list(user=user).select_related("recorded_by").prefetch_related("evidence").get(pk=pk)


def evidence_get(*, user: Any, pk: int) -> Any:
    from .models import ConductEvidence

    return ConductEvidence.objects.get(pk=pk, record__in=conduct_visible(user).values("pk"))


def petitioner_get(*, user: Any, pk: int) -> Petitioner:
    """A petitioner the user may see through one of their matters (XF-CLS-03)."""
    return Petitioner.objects.restrict(user, Action.MATTER_VIEW).get(pk=pk)


def warning_visible(user: Any) -> QuerySet[ClusterWarning]:
    return ClusterWarning.objects.restrict(user, Action.ORDER_MANAGE)


def theme_labels() -> dict[str, str]:
    return {theme.code: theme.label for theme in warning_config().themes}


def warning_label(warning: ClusterWarning, labels: dict[str, str]) -> str:
    """A theme warning shows the theme's label in the reader's language (from the settings)."""
    if warning.kind == WarningKind.THEME:
        code = warning.key.split(":", 1)[1].split("@", 1)[0]
        return labels.get(code, warning.label)
    return warning.label


def warning_list(*, user: Any, status: str = "", kind: str = "") -> QuerySet[ClusterWarning]:
    qs = warning_visible(user).select_related("organisation")
    if status == "live":
        qs = qs.filter(status__in=LIVE_WARNING_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("status", "-checked_at", "-id")


def warning_get(*, user: Any, pk: int) -> ClusterWarning:
    return warning_visible(user).select_related("organisation", "acknowledged_by", "closed_by").get(pk=pk)


def warning_matters(*, user: Any, warning: ClusterWarning) -> QuerySet[Matter]:
    """The matters behind a warning that the reader may see (drill-down)."""
    return (
        Matter.objects.restrict(user, Action.MATTER_VIEW)
        .filter(cluster_warnings=warning)
        .select_related("current_org", "place_org", "matter_type")
        .order_by("-received_at", "-pk")
    )


def track_visible(user: Any) -> QuerySet[LitigationTrack]:
    return LitigationTrack.objects.restrict(user, Action.MATTER_VIEW)


def track_list(*, user: Any, level: str = "") -> QuerySet[LitigationTrack]:
    qs = track_visible(user).select_related("matter", "responsible_org").prefetch_related("joint_orgs")
    if level:
        qs = qs.filter(level=level)
    return qs.order_by("-updated_at", "-id")


def track_for_matter(*, user: Any, matter: Matter) -> LitigationTrack | None:
    changes = LitigationLevelChange.objects.select_related("responsible_org", "changed_by").order_by("changed_at", "id")
    return (
        track_visible(user)
        .filter(matter=matter)
        .select_related("responsible_org")
        .prefetch_related("joint_orgs", Prefetch("changes", queryset=changes))
        .first()
    )


@dataclass
class MatterPanel:
    """What the matter page shows of this app."""

    track: LitigationTrack | None = None
    records: list[ConductRecord] = field(default_factory=list)
    warnings: list[ClusterWarning] = field(default_factory=list)
    may_manage: bool = False
    may_track: bool = False


def matter_panel(*, user: Any, matter: Matter) -> MatterPanel:
    """The litigation track (for whoever sees the matter), and for `order.manage` holders the
    conduct records and live warnings that include the matter. Constant number of queries."""
    panel = MatterPanel(track=track_for_matter(user=user, matter=matter))
    panel.may_manage = user_can(user, Action.ORDER_MANAGE)
    if panel.may_manage:
        panel.records = list(
            conduct_visible(user).filter(matters=matter).select_related("organisation").order_by("-occurred_at")[:20]
        )
        panel.warnings = list(
            warning_visible(user).filter(matters=matter, status__in=LIVE_WARNING_STATUSES).order_by("-checked_at")[:10]
        )
        panel.may_track = any(
            user_can(user, Action.ORDER_MANAGE, org) for org in (matter.current_org, matter.registered_org)
        )
    return panel
