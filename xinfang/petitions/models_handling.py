"""Handling of an accepted matter (办理法治化, issue 4): the classified-handling tracks, handling
records (investigation, interviews, hearings), the written opinions with their delivery, the
extension, review and re-review, mediation inside handling, follow-up tasks and the petitioner's
evaluation. Rules: XF-CLS-*, XF-HDL-*, XF-OPN-*, XF-DL-*, XF-REV-*, XF-END-*, XF-SAT-*, XF-SIMP-*.

Rows are written only by `services/handling.py` and `services/review.py`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.core.text import localized_name
from xinfang.notices.kinds import Outcome
from xinfang.orgs.models import Organisation

from .models import MATTER_CHILD_ORG_FIELDS, HiddenFromReported, Matter
from .states import (
    AgreementKind,
    EvaluationMethod,
    EvaluationStage,
    ExtensionStatus,
    FollowUpKind,
    FollowUpStatus,
    MediationStatus,
    OpinionStage,
    Principle,
    RecordKind,
    ReviewStage,
    ReviewStatus,
    TrackProcedure,
)


class _MatterChild(HiddenFromReported):
    """A row that belongs to a matter: seen by whoever may see the matter (XF-CLS-03 included)."""

    restrict_org_field = MATTER_CHILD_ORG_FIELDS

    class Meta:
        abstract = True


class HandlingTrack(models.Model):
    """One entry of the classified-handling list (依法分类处理清单, H2; XF-CLS-01..04): where an
    accepted matter goes and what answer it gets. Data, edited by administrators in the admin;
    seeded with the tracks of 条例 Arts. 29-31."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    procedure = models.CharField(_("办理方式"), max_length=12, choices=TrackProcedure.choices)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    legal_basis_en = models.CharField(_("法律依据（英文）"), max_length=300, blank=True)
    receiving_body_hint = models.CharField(
        _("接收机关说明"), max_length=200, blank=True, help_text=_("如：人民法院、劳动人事争议仲裁委员会。")
    )
    receiving_body_hint_en = models.CharField(_("接收机关说明（英文）"), max_length=200, blank=True)
    petitioner_period = models.PositiveIntegerField(
        _("信访人申请期限"), null=True, blank=True, help_text=_("信访人通过该程序主张权利的法定期限，用于提醒。")
    )
    petitioner_period_unit = models.CharField(
        _("期限单位"),
        max_length=16,
        choices=[("calendar", _("自然日")), ("working", _("工作日")), ("month", _("月")), ("year", _("年"))],
        default="calendar",
    )
    guidance = models.TextField(_("告知信访人的说明"), blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("分类处理途径")
        verbose_name_plural = _("分类处理途径")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return localized_name(self.name, self.name_en)

    @property
    def runs_handling_clock(self) -> bool:
        """XF-DL-01: the 60-day clock applies to the petition track (Art. 31(6)) only."""
        return self.procedure == TrackProcedure.PETITION


class HandlingRecord(_MatterChild):
    """A step of handling: investigation notes, an interview, a hearing (听证, with its dates:
    during re-review the hearing time is excluded from the clock, XF-REV-05), a recusal."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="handling_records")
    review = models.ForeignKey(
        "petitions.Review", null=True, blank=True, on_delete=models.PROTECT, related_name="records"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("记录机关"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=RecordKind.choices)
    occurred_on = models.DateField(_("日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    participants = models.CharField(_("参加人员"), max_length=300, blank=True)
    summary = models.TextField(_("内容"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = RestrictedManager["HandlingRecord"]()

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["occurred_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_on}"


class Extension(_MatterChild):
    """An extension of the handling period (XF-DL-02, 条例 Art. 34): requested with a reason,
    approved by the organ's head, at most 30 days, once; the notice (DOC-04) is issued on approval."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="extensions")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("办理机关"), on_delete=models.PROTECT, related_name="+"
    )
    days = models.PositiveSmallIntegerField(_("延长天数"))
    reason = models.TextField(_("延期理由"))
    status = models.CharField(
        _("状态"), max_length=12, choices=ExtensionStatus.choices, default=ExtensionStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    original_due = models.DateField(_("原办理期限"))
    new_due = models.DateField(_("延长后的期限"), null=True, blank=True)
    document = models.ForeignKey(
        "notices.Document", verbose_name=_("告知书"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedManager["Extension"]()

    class Meta:
        verbose_name = _("延期办理")
        verbose_name_plural = _("延期办理")
        ordering = ["requested_at"]
        constraints = [
            # XF-DL-02: one extension. A refused request may be followed by another request.
            models.UniqueConstraint(fields=["matter"], condition=Q(status="approved"), name="extension_approved_once"),
            models.UniqueConstraint(fields=["matter"], condition=Q(status="requested"), name="extension_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} +{self.days}"


class Opinion(_MatterChild):
    """A written opinion (处理意见书, 复查意见书, 复核意见书) or, on the suggestion and report tracks,
    the reply: request, facts and reasons, the opinion and its legal basis (XF-OPN-01), the outcome
    (XF-OPN-02) and the Art. 27 principle applied (XF-HDL-01); its instrument and delivery. The
    delivery date starts the petitioner's 30-day window (XF-REV-01, XF-REV-03)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="opinions")
    stage = models.CharField(_("阶段"), max_length=12, choices=OpinionStage.choices)
    review = models.OneToOneField(
        "petitions.Review", null=True, blank=True, on_delete=models.PROTECT, related_name="opinion"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("出具机关"), on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(_("处理结果"), max_length=12, choices=Outcome.choices)
    principle = models.CharField(_("处理原则"), max_length=12, choices=Principle.choices)
    request = models.TextField(_("信访请求"))
    facts_reasons = models.TextField(_("查明的事实和理由"))
    opinion = models.TextField(_("处理意见"))
    legal_basis = models.TextField(_("法律依据"))
    hearing_held = models.BooleanField(_("经过听证"), default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("出具人"), on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(_("出具时间"))
    document = models.ForeignKey(
        "notices.Document", verbose_name=_("意见书"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    delivery = models.ForeignKey(
        "notices.Delivery",
        verbose_name=_("送达记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = RestrictedManager["Opinion"]()

    class Meta:
        verbose_name = _("处理意见")
        verbose_name_plural = _("处理意见")
        ordering = ["issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter", "stage"], name="opinion_once_per_stage"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.get_stage_display()}"


class Review(_MatterChild):
    """A request for review (复查) or re-review (复核): to the body one level up (XF-REV-01/03),
    received on a date that starts its 30-day clock (XF-REV-02/04); a request outside the window
    is recorded with the policy applied (XF-REV-07)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("阶段"), max_length=12, choices=ReviewStage.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("复查复核机关"), on_delete=models.PROTECT, related_name="+"
    )
    contested = models.ForeignKey(
        Opinion, verbose_name=_("不服的意见"), on_delete=models.PROTECT, related_name="challenges"
    )
    received_at = models.DateTimeField(_("收到请求时间"))
    request = models.TextField(_("请求和理由"))
    window_due = models.DateField(_("请求期限"))
    is_late = models.BooleanField(_("逾期请求"), default=False)
    late_reason = models.TextField(_("逾期的正当理由"), blank=True)
    policy = models.CharField(_("逾期处理规则"), max_length=32, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.PENDING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+"
    )

    objects = RestrictedManager["Review"]()

    class Meta:
        verbose_name = _("复查复核请求")
        verbose_name_plural = _("复查复核请求")
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["matter", "stage"], condition=~Q(status="refused"), name="review_once_per_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.get_stage_display()}"


class MediationReferral(_MatterChild):
    """A petition that becomes a mediation case inside handling (访调对接, H1; XF-OPN-04) and the
    result that comes back: an agreement (调解协议书 or 和解协议书) concludes the matter."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="mediations")
    mediation_org = models.ForeignKey(
        Organisation, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="+"
    )
    consent_recorded = models.BooleanField(_("双方同意调解"), default=False)
    note = models.TextField(_("移交说明"), blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=MediationStatus.choices, default=MediationStatus.REFERRED
    )
    referred_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    referred_at = models.DateTimeField(_("移交时间"))
    agreement_kind = models.CharField(_("协议类型"), max_length=12, choices=AgreementKind.choices, blank=True)
    result = models.TextField(_("调解结果"), blank=True)
    returned_at = models.DateTimeField(_("结果反馈时间"), null=True, blank=True)

    objects = RestrictedManager["MediationReferral"]()

    class Meta:
        verbose_name = _("信访调解")
        verbose_name_plural = _("信访调解")
        ordering = ["referred_at"]
        constraints = [
            models.UniqueConstraint(fields=["matter"], condition=Q(status="referred"), name="mediation_one_open"),
        ]

    def __str__(self) -> str:
        return f"{self.matter_id} → {self.mediation_org_id}"


class FollowUpTask(_MatterChild):
    """A follow-up task (疏导教育、矛盾化解、帮扶救助, XF-END-01/02; 督促落实, XF-OPN-03; 不满意回访):
    assigned to an organisation (and optionally a person), due on a date, closed with a result."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="follow_ups")
    kind = models.CharField(_("类型"), max_length=24, choices=FollowUpKind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("任务内容"))
    due_date = models.DateField(_("完成期限"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN, db_index=True
    )
    result = models.TextField(_("完成情况"), blank=True)
    # None when the system opened it (a dissatisfied online evaluation).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = RestrictedManager["FollowUpTask"]()

    class Meta:
        verbose_name = _("后续工作")
        verbose_name_plural = _("后续工作")
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due_date}"


class Evaluation(_MatterChild):
    """The petitioner's evaluation of acceptance or handling (XF-SAT-01/02): a value of the
    configured scale (settings.XINFANG_SATISFACTION_SCALE), given online, by phone or on paper."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="evaluations")
    stage = models.CharField(_("评价环节"), max_length=12, choices=EvaluationStage.choices)
    value = models.CharField(_("评价"), max_length=32)
    is_dissatisfied = models.BooleanField(_("不满意"), default=False)
    method = models.CharField(_("评价方式"), max_length=8, choices=EvaluationMethod.choices)
    comment = models.TextField(_("意见"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("评价时间"))
    follow_up = models.ForeignKey(
        FollowUpTask, null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )

    objects = RestrictedManager["Evaluation"]()

    class Meta:
        verbose_name = _("满意度评价")
        verbose_name_plural = _("满意度评价")
        ordering = ["recorded_at"]
        constraints = [models.UniqueConstraint(fields=["matter", "stage"], name="evaluation_once_per_stage")]

    def __str__(self) -> str:
        return f"{self.matter_id} {self.stage} {self.value}"
