"""Choices and the state table of mediation cases (regulations.md §4.6, MED-01..MED-06; deadline
table D35, D36)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BodyKind(models.TextChoices):
    """P5: the mediation network — people's mediation committees at three levels, industry and
    professional bodies, notary offices, deputies' and CPPCC members' studios, volunteers, named
    mediation points."""

    COMMITTEE_DISTRICT = "committee_district", _("区级人民调解委员会")
    COMMITTEE_TOWN = "committee_town", _("镇（街道）人民调解委员会")
    COMMITTEE_VILLAGE = "committee_village", _("村（社区）人民调解委员会")
    INDUSTRY = "industry", _("行业性调解组织")
    PROFESSIONAL = "professional", _("专业性调解组织")
    NOTARY = "notary", _("公证处")
    DEPUTY_STUDIO = "deputy_studio", _("两代表一委员工作室")
    VOLUNTEER = "volunteer", _("调解志愿者队伍")
    MEDIATION_POINT = "mediation_point", _("品牌调解点")


class MediatorKind(models.TextChoices):
    FULL_TIME = "full_time", _("专职调解员")
    PART_TIME = "part_time", _("兼职调解员")
    DEPUTY = "deputy", _("人大代表")
    CPPCC = "cppcc", _("政协委员")
    VOLUNTEER = "volunteer", _("志愿者")
    LAWYER = "lawyer", _("律师")
    NOTARY = "notary", _("公证员")


class SourceKind(models.TextChoices):
    """Where a case comes from; its result returns there through the source registry."""

    WALK_IN = "walk_in", _("当事人申请")
    GRID_EVENT = "grid_event", _("网格事件")
    PETITION = "petition", _("信访事项（访调对接）")
    COURT = "court", _("法院委派")
    RECONSIDERATION = "reconsideration", _("行政复议机构")
    OUTREACH = "outreach", _("四下基层走访")


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("申请人")
    RESPONDENT = "respondent", _("被申请人")
    OTHER = "other", _("其他当事人")


class CaseStatus(models.TextChoices):
    APPLIED = "applied", _("已申请待受理")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    IN_SESSION = "in_session", _("调解中")
    AGREED = "agreed", _("达成协议")
    FAILED = "failed", _("调解不成")
    FULFILLED = "fulfilled", _("已履行")
    NOT_FULFILLED = "not_fulfilled", _("未履行")


class JcResult(models.TextChoices):
    """MED-05/06: the court's answer to the joint application for judicial confirmation."""

    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("驳回申请")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    WITHDRAWN = "withdrawn", _("撤回申请")


# applied -> accepted | refused; accepted -> in_session; in_session -> agreed | failed;
# agreed -> fulfilled | not_fulfilled; a party may end mediation at any time before agreement
# (MED-01, 人民调解法 Art. 23): accepted/in_session -> failed.
TRANSITIONS: dict[str, frozenset[str]] = {
    CaseStatus.APPLIED: frozenset({CaseStatus.ACCEPTED, CaseStatus.REFUSED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.IN_SESSION, CaseStatus.AGREED, CaseStatus.FAILED}),
    CaseStatus.IN_SESSION: frozenset({CaseStatus.AGREED, CaseStatus.FAILED}),
    CaseStatus.AGREED: frozenset({CaseStatus.FULFILLED, CaseStatus.NOT_FULFILLED}),
    CaseStatus.NOT_FULFILLED: frozenset({CaseStatus.FULFILLED}),
    CaseStatus.REFUSED: frozenset(),
    CaseStatus.FAILED: frozenset(),
    CaseStatus.FULFILLED: frozenset(),
}
OPEN_STATUSES = frozenset({CaseStatus.APPLIED, CaseStatus.ACCEPTED, CaseStatus.IN_SESSION})
# The case "ends" (and its result returns to its source) on these.
# Sources outside the system (a court, an administrative reconsideration body): the result goes back
# to them as a recorded handover (P6: a reconsideration case is mediated and returns), not a callback.
OUTSIDE_SOURCES = frozenset({SourceKind.COURT, SourceKind.RECONSIDERATION})
ENDED_STATUSES = frozenset({CaseStatus.AGREED, CaseStatus.FAILED, CaseStatus.REFUSED})

# Clock kinds, prefixed "mediation_".
CLOCK_PERIOD = "mediation_period"  # MED-02 / D35: generally concluded within one month of acceptance
CLOCK_JC_WINDOW = "mediation_jc_window"  # MED-05 / D36: 30 days for the joint application
CLOCK_KINDS = (CLOCK_PERIOD, CLOCK_JC_WINDOW)
CLOCK_LABELS = {
    CLOCK_PERIOD: _("调解期限"),
    CLOCK_JC_WINDOW: _("司法确认申请期限"),
}
