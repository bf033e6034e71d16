"""Major decisions (重大决策) and their social-stability risk assessment (稳评), regulations.md §5.

A government (district, town or street) keeps a yearly `DecisionList`; each `MajorDecision` on it
has an owner unit (决策承办单位, which carries out the assessment, RA-01) and is assessed in one or
more `Assessment` rounds (a re-assessment after the plan was adjusted is a new round, RA-03/RA-07).
Each round records its steps (`AssessmentStep`, with documents) and is concluded with a risk level
(RA-04), measures and a conclusion; the decision body then decides within what the level permits.
A `ReviewFlag` records that petitions or grid events clustered around the decision."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .states import AssessmentStatus, DecisionKind, DecisionStatus, Outcome, RiskLevel, StepKind

project_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-/]{1,39}$", _("项目编号只能包含字母、数字、点、斜杠、下划线和连字符（2至40位）。")
)

# Who sees and manages a decision: the government that keeps the list and the owner unit.
DECISION_ORG_FIELDS: tuple[str, ...] = ("organisation", "owner_org")


class DecisionList(models.Model):
    """The yearly list (年度重大决策事项目录) of one government."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("决策机关"), on_delete=models.PROTECT, related_name="risk_decision_lists"
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    title = models.CharField(_("名称"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["DecisionList"]()

    class Meta:
        verbose_name = _("重大决策事项目录")
        verbose_name_plural = _("重大决策事项目录")
        ordering = ["-year", "organisation__path"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="risk_list_once_per_year")]

    def __str__(self) -> str:
        return self.title


class MajorDecision(models.Model):
    """One decision on a list. `organisation` is the list's government (the decision body), copied
    so that reads need no join; `owner_org` the unit that drafts it and assesses its risk.
    `project_code`, `place` and `keywords` are what the cluster trigger looks for."""

    restrict_org_field = DECISION_ORG_FIELDS

    decision_list = models.ForeignKey(
        DecisionList, verbose_name=_("目录"), on_delete=models.PROTECT, related_name="decisions"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("决策机关"), on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("决策事项"), max_length=200)
    description = models.TextField(_("事项概要"), blank=True)
    kind = models.CharField(_("类别"), max_length=20, choices=DecisionKind.choices, default=DecisionKind.OTHER)
    owner_org = models.ForeignKey(
        Organisation, verbose_name=_("决策承办单位"), on_delete=models.PROTECT, related_name="risk_decisions_owned"
    )
    owner_person = models.CharField(_("责任人"), max_length=60, blank=True)
    project_code = models.CharField(
        _("项目编号"), max_length=40, blank=True, db_index=True, validators=[project_code_validator]
    )
    place = models.ForeignKey(
        Organisation,
        verbose_name=_("涉及地点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("尽量选到村（社区）或网格：该地点及其下级的信访事项和网格事件计入聚集。"),
    )
    keywords = models.JSONField(_("关键词"), default=list, blank=True)
    planned_date = models.DateField(_("计划决策日期"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.LISTED, db_index=True
    )
    outcome = models.CharField(_("决策结果"), max_length=24, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("决策说明"), blank=True)
    outcome_measures = models.TextField(_("决策文件载明的防范措施"), blank=True)
    decided_at = models.DateTimeField(_("决策时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("决策登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("列入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["MajorDecision"]()

    class Meta:
        verbose_name = _("重大决策事项")
        verbose_name_plural = _("重大决策事项")
        ordering = ["decision_list", "number"]
        constraints = [models.UniqueConstraint(fields=["decision_list", "number"], name="risk_decision_number_unique")]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["owner_org", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        return f"{self.decision_list.year}-{self.number:03d}"


class Assessment(models.Model):
    """One assessment round of a decision (the first, or a re-assessment). Concluded with the risk
    level (RA-04), the prevention measures and contingency plan (RA-02) and the conclusion."""

    restrict_org_field = tuple(f"decision__{name}" for name in DECISION_ORG_FIELDS)

    decision = models.ForeignKey(
        MajorDecision, verbose_name=_("决策事项"), on_delete=models.CASCADE, related_name="assessments"
    )
    round = models.PositiveSmallIntegerField(_("评估轮次"), default=1)
    reason = models.TextField(_("重新评估理由"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.OPEN)
    level = models.CharField(
        _("风险等级"),
        max_length=8,
        choices=RiskLevel.choices,
        blank=True,
        help_text=_(
            "高风险：大部分群众有意见、反应特别强烈，可能引发大规模群体性事件；"
            "中风险：部分群众有意见、反应强烈，可能引发矛盾冲突；"
            "低风险：多数群众理解支持，但少部分人有意见，通过有效工作可防范和化解矛盾。"
        ),
    )
    measures = models.TextField(_("风险防范措施和处置预案"), blank=True)
    conclusion = models.TextField(_("评估结论"), blank=True)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    concluded_at = models.DateTimeField(_("结论时间"), null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("结论登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = RestrictedManager["Assessment"]()

    class Meta:
        verbose_name = _("社会稳定风险评估")
        verbose_name_plural = _("社会稳定风险评估")
        ordering = ["decision", "round"]
        constraints = [models.UniqueConstraint(fields=["decision", "round"], name="risk_assessment_round_unique")]

    def __str__(self) -> str:
        return f"{self.decision} #{self.round}"


class AssessmentStep(models.Model):
    """One piece of assessment work: what was done (risk identification, consultation, departments
    heard, expert opinion), when, by whom, and its documents."""

    restrict_org_field = tuple(f"assessment__decision__{name}" for name in DECISION_ORG_FIELDS)

    assessment = models.ForeignKey(Assessment, verbose_name=_("评估"), on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("评估环节"), max_length=20, choices=StepKind.choices)
    date = models.DateField(_("日期"))
    text = models.TextField(_("内容"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(_("完成时间"))

    objects = RestrictedManager["AssessmentStep"]()

    class Meta:
        verbose_name = _("评估环节")
        verbose_name_plural = _("评估环节")
        ordering = ["assessment", "date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date}"


def document_path(instance: StepDocument, filename: str) -> str:
    return f"risk/{instance.step.assessment.decision_id}/{instance.sha256[:16]}-{filename[-80:]}"


class StepDocument(models.Model):
    """A document of a step (the risk report, minutes, questionnaires …): checked by content and
    size like every upload, hashed."""

    step = models.ForeignKey(AssessmentStep, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("文件"), upload_to=document_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估材料")
        verbose_name_plural = _("评估材料")
        constraints = [models.UniqueConstraint(fields=["step", "sha256"], name="risk_document_once_per_step")]

    def __str__(self) -> str:
        return self.original_name


class ReviewFlag(models.Model):
    """Petitions and grid events clustered around a decision: its assessment is to be reviewed.
    `key` ("<decision>:<assessment round or 0>") makes the flag once per assessment round, whatever
    how often the check runs. `matched` lists the items counted: kind ("matter" | "grid_event"), id,
    number, date and the rules that matched (ids and numbers only, no personal data)."""

    restrict_org_field = tuple(f"decision__{name}" for name in DECISION_ORG_FIELDS)

    key = models.CharField(max_length=40, unique=True, editable=False)
    decision = models.ForeignKey(
        MajorDecision, verbose_name=_("决策事项"), on_delete=models.CASCADE, related_name="review_flags"
    )
    assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("评估"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="review_flags",
    )
    reason = models.TextField(_("提示理由"))
    matched = models.JSONField(_("聚集事项"), default=list)
    matched_count = models.PositiveIntegerField(_("聚集数量"))
    window_start = models.DateTimeField(_("统计起点"))
    created_at = models.DateTimeField(_("提示时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("处理意见"), blank=True)

    objects = RestrictedManager["ReviewFlag"]()

    class Meta:
        verbose_name = _("复核提示")
        verbose_name_plural = _("复核提示")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} ({self.matched_count})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
