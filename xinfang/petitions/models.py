"""Petition matters (信访事项), their petitioners, attachments, links, routing and notices.

Personal data (names, ID numbers, phones, addresses) lives in `Petitioner` only, so it can be
masked, corrected or erased without touching the audit chain (which holds ids, never these)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .states import (
    Channel,
    LevelDecision,
    LinkKind,
    Nature,
    NonAcceptanceGround,
    NoticeKind,
    NoticeMethod,
    ParticipantRole,
    PetitionerKind,
    Procedure,
    RoutingKind,
    RoutingOutcome,
    Source,
    Status,
)

# Who may see a matter: where it was registered, who holds it now, the organ that accepted and
# handled it, and the review and re-review bodies (each keeps sight of what it decided).
MATTER_ORG_FIELDS: tuple[str, ...] = ("registered_org", "current_org", "handling_org", "review_org", "rereview_org")
# The same, seen from a row that belongs to a matter.
MATTER_CHILD_ORG_FIELDS: tuple[str, ...] = tuple(f"matter__{name}" for name in MATTER_ORG_FIELDS)


def exclude_reports_on(queryset: Any, user: Any, *, matter: str = "") -> Any:
    """XF-CLS-03: leave out what belongs to a matter that names `user`, or a unit the user is an
    active member of, as reported, whatever the user's role. `matter` is the path from the
    queryset's rows to their matter ("" for matters themselves, "matter" for rows that belong to one)."""
    prefix = f"{matter}__" if matter else ""
    unit_ids = user.memberships.filter(is_active=True).values("organisation_id")
    return queryset.exclude(Q(**{f"{prefix}reported_users": user}) | Q(**{f"{prefix}reported_orgs__in": unit_ids}))


class HiddenFromReported(models.Model):
    """A row that belongs to a matter (its `matter` foreign key) and is hidden, like the matter,
    from the people and units the matter reports on (XF-CLS-03; applied by `restrict`)."""

    class Meta:
        abstract = True

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        return exclude_reports_on(queryset, user, matter="matter")


class Petitioner(models.Model):
    """A person or organisation who petitions; reused across matters, so their history is one
    query away. Visible to whoever may view one of their matters."""

    restrict_org_field = tuple(f"matter_roles__matter__{name}" for name in MATTER_ORG_FIELDS)

    kind = models.CharField(_("类型"), max_length=16, choices=PetitionerKind.choices, default=PetitionerKind.PERSON)
    name = models.CharField(_("姓名或名称"), max_length=100)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True, db_index=True)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True, db_index=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["Petitioner"]()

    class Meta:
        verbose_name = _("信访人")
        verbose_name_plural = _("信访人")
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        """XF-CLS-03: a petitioner is seen only through a matter the reader may see, so the author
        of a report is never found (by name, ID number or phone) by the person or unit reported."""
        visible = Matter.objects.restrict(user, action).values("pk")
        return queryset.filter(pk__in=MatterParticipant.objects.filter(matter__in=visible).values("petitioner_id"))


class Matter(models.Model):
    """One petition matter: what was asked (request, facts, reasons), how it came in, where it
    stands, and the three distinctions once triaged. Belongs to the organisation that registered it
    and to the one that holds it now; both see it (restrict)."""

    restrict_org_field = MATTER_ORG_FIELDS

    number = models.CharField(_("编号"), max_length=32, unique=True)
    channel = models.CharField(_("渠道"), max_length=16, choices=Channel.choices, db_index=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.COUNTER)
    received_at = models.DateTimeField(_("收到时间"), db_index=True)
    registered_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    registered_org = models.ForeignKey(
        Organisation, verbose_name=_("登记机关"), on_delete=models.PROTECT, related_name="registered_matters"
    )
    current_org = models.ForeignKey(
        Organisation, verbose_name=_("当前办理机关"), on_delete=models.PROTECT, related_name="held_matters"
    )
    oral_recorded_by = models.CharField(
        _("口头信访记录人"), max_length=60, blank=True, help_text=_("口头提出的，如实记录并注明记录人（第十九条）。")
    )
    title = models.CharField(_("标题"), max_length=120)
    request = models.TextField(_("诉求"))
    facts = models.TextField(_("事实"))
    reasons = models.TextField(_("理由"), blank=True)
    place_org = models.ForeignKey(
        Organisation, verbose_name=_("发生地"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place_text = models.CharField(_("详细地点"), max_length=200, blank=True)
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    is_group = models.BooleanField(_("集体访"), default=False)
    group_size = models.PositiveIntegerField(_("人数"), default=1)
    name_or_address_unclear = models.BooleanField(
        _("姓名或住址不清"), default=False, help_text=_("姓名（名称）、住址不清的，无需书面告知（第二十三条第二款）。")
    )
    hotline_order_ref = models.CharField(_("12345工单号"), max_length=40, blank=True, db_index=True)
    matter_type = models.ForeignKey(
        "powerlist.MatterType", verbose_name=_("事项类型"), null=True, blank=True, on_delete=models.PROTECT
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REGISTERED, db_index=True
    )
    nature = models.CharField(_("性质"), max_length=16, choices=Nature.choices, blank=True, db_index=True)
    level_decision = models.CharField(_("层级"), max_length=8, choices=LevelDecision.choices, blank=True)
    non_acceptance_ground = models.CharField(
        _("不予受理理由"), max_length=24, choices=NonAcceptanceGround.choices, blank=True
    )
    proper_channel = models.TextField(_("应当提出的途径"), blank=True)
    triage_note = models.TextField(_("分流意见"), blank=True)
    decision_basis = models.TextField(
        _("决定依据"), blank=True, help_text=_("不予受理或告知向有权机关提出的法律依据（DOC-02）。")
    )
    triage_late_reason = models.TextField(
        _("分流逾期原因"), blank=True, help_text=_("超过15日期限作出受理决定的，记录原因（XF-TRI-01）。")
    )
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    # Handling (issue 4). The organ that accepted the matter; the review and re-review bodies.
    handling_org = models.ForeignKey(
        Organisation, verbose_name=_("办理机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_org = models.ForeignKey(
        Organisation, verbose_name=_("复查机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rereview_org = models.ForeignKey(
        Organisation, verbose_name=_("复核机关"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    track = models.ForeignKey(
        "petitions.HandlingTrack", verbose_name=_("处理途径"), null=True, blank=True, on_delete=models.PROTECT
    )
    track_receiving_body = models.CharField(
        _("接收机关"), max_length=200, blank=True, help_text=_("导入法定程序的，受理该程序的机关或组织。")
    )
    track_petitioner_deadline = models.DateField(
        _("信访人申请期限"),
        null=True,
        blank=True,
        help_text=_("信访人通过该法定程序主张权利的期限（如行政复议60日）。"),
    )
    track_note = models.TextField(_("分类处理说明"), blank=True)
    procedure = models.CharField(_("办理程序"), max_length=12, choices=Procedure.choices, default=Procedure.ORDINARY)
    paper_requested = models.BooleanField(
        _("要求纸质文书"),
        default=True,
        help_text=_("简易办理中未要求纸质文书的，可以网络、电话、短信告知（XF-SIMP-07）。"),
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closure_note = models.TextField(_("办结说明"), blank=True)
    is_urgent = models.BooleanField(_("重大紧急"), default=False, db_index=True)
    urgent_reason = models.TextField(_("重大紧急情形"), blank=True)
    urgent_reported_at = models.DateTimeField(_("上报时间"), null=True, blank=True)
    # Reports on officials (XF-CLS-03): never shown to the people or units reported.
    reported_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("被反映人（本系统用户）"), blank=True, related_name="+"
    )
    reported_orgs = models.ManyToManyField(Organisation, verbose_name=_("被反映单位"), blank=True, related_name="+")
    reported_names = models.CharField(_("被反映人"), max_length=200, blank=True)
    submission_key = models.CharField(_("提交标识"), max_length=64, unique=True, null=True, blank=True)
    # The petitioner's own way in (issue 5, H7; XF-SAT-02): a random public reference (not
    # sequential, so matters cannot be enumerated) and only a keyed hash of the private query code
    # (xinfang.portal.credentials); the code itself is shown once and never stored.
    public_ref = models.CharField(_("公开查询编号"), max_length=12, unique=True, null=True, blank=True, editable=False)
    query_code_hash = models.CharField(_("查询码摘要"), max_length=128, blank=True, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["Matter"]()

    class Meta:
        verbose_name = _("信访事项")
        verbose_name_plural = _("信访事项")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["current_org", "status"]),
            models.Index(fields=["registered_org", "status"]),
            models.Index(fields=["handling_org", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        """XF-CLS-03: a matter naming a user, or a unit the user belongs to, as reported is hidden
        from that user, whatever their role."""
        return exclude_reports_on(queryset, user)


class MatterParticipant(models.Model):
    """A petitioner's part in a matter: petitioner, elected representative, or participant."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="participants")
    petitioner = models.ForeignKey(Petitioner, on_delete=models.PROTECT, related_name="matter_roles")
    role = models.CharField(_("身份"), max_length=16, choices=ParticipantRole.choices)

    class Meta:
        verbose_name = _("信访参与人")
        verbose_name_plural = _("信访参与人")
        constraints = [models.UniqueConstraint(fields=["matter", "petitioner"], name="participant_once_per_matter")]

    def __str__(self) -> str:
        return f"{self.petitioner} ({self.get_role_display()})"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"matters/{instance.matter_id}/{instance.sha256[:16]}-{filename[-80:]}"


class Attachment(models.Model):
    """A file handed in or scanned: type and size checked at the edge, hashed."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        # The same file twice on one matter is a double upload, not a second document.
        constraints = [models.UniqueConstraint(fields=["matter", "sha256"], name="attachment_once_per_matter")]

    def __str__(self) -> str:
        return self.original_name


class MatterLink(models.Model):
    """A decided link between a new matter and an earlier one (repeat, duplicate, 12345 order),
    with the clerk's reason (A2)."""

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="links")
    other = models.ForeignKey(Matter, on_delete=models.PROTECT, related_name="linked_from")
    kind = models.CharField(_("关联类型"), max_length=20, choices=LinkKind.choices)
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("关联事项")
        verbose_name_plural = _("关联事项")
        constraints = [
            models.UniqueConstraint(fields=["matter", "other", "kind"], name="matter_link_once"),
            models.CheckConstraint(condition=~Q(matter=models.F("other")), name="matter_link_not_to_itself"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.other_id}"


class Routing(HiddenFromReported):
    """One forwarding or assignment (转送/交办) from a petition bureau to a receiving organisation,
    with the recipient's answer (accept or object within 5 working days) and the bureau's decision
    on an objection (XF-TRI-01, XF-NOT-03, DOC-03, DOC-12)."""

    restrict_org_field = ("from_org", "to_org")

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="routings")
    kind = models.CharField(_("方式"), max_length=8, choices=RoutingKind.choices)
    from_org = models.ForeignKey(Organisation, verbose_name=_("转出机关"), on_delete=models.PROTECT, related_name="+")
    to_org = models.ForeignKey(Organisation, verbose_name=_("接收机关"), on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("转出时间"))
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    report_due = models.DateField(_("办结报告期限"), null=True, blank=True)
    basis = models.TextField(_("依据"), blank=True)
    outcome = models.CharField(
        _("结果"), max_length=20, choices=RoutingOutcome.choices, default=RoutingOutcome.PENDING, db_index=True
    )
    objection_reason = models.TextField(_("异议理由"), blank=True)
    objected_at = models.DateTimeField(_("异议时间"), null=True, blank=True)
    decision_note = models.TextField(_("异议处理意见"), blank=True)
    decided_at = models.DateTimeField(_("异议处理时间"), null=True, blank=True)
    triage_due = models.DateField(_("转送交办期限"), null=True, blank=True)
    late_reason = models.TextField(_("逾期原因"), blank=True)

    objects = RestrictedManager["Routing"]()

    class Meta:
        verbose_name = _("转送交办")
        verbose_name_plural = _("转送交办")
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.to_org_id}"

    @property
    def is_late(self) -> bool:
        """Sent after the 15-day triage period (XF-TRI-01); the reason is in `late_reason`."""
        return self.triage_due is not None and timezone.localdate(self.sent_at) > self.triage_due


class Notice(HiddenFromReported):
    """A written notice given to the petitioner (XF-NOT-01..03): what, when and how, by whom, and
    the due date it was measured against (a notice after it stays visible as late)."""

    restrict_org_field = MATTER_CHILD_ORG_FIELDS

    matter = models.ForeignKey(Matter, on_delete=models.CASCADE, related_name="notices")
    routing = models.ForeignKey(
        Routing,
        verbose_name=_("所涉转送交办"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notices",
    )
    kind = models.CharField(_("告知类型"), max_length=20, choices=NoticeKind.choices)
    method = models.CharField(_("告知方式"), max_length=16, choices=NoticeMethod.choices)
    given_at = models.DateTimeField(_("告知时间"))
    content = models.TextField(_("告知内容"))
    issuing_org = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("告知期限"), null=True, blank=True)
    late_reason = models.TextField(_("逾期原因"), blank=True)

    objects = RestrictedManager["Notice"]()

    class Meta:
        verbose_name = _("书面告知")
        verbose_name_plural = _("书面告知")
        ordering = ["given_at"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def is_late(self) -> bool:
        """Given after its 15-day period (XF-NOT-02/03)."""
        return self.due_date is not None and timezone.localdate(self.given_at) > self.due_date


class MatterSequence(models.Model):
    """Per-organisation, per-year counter for matter numbers (row-locked when incremented)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="matter_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


# Handling, review, closure, follow-up and satisfaction (issue 4) live in their own module.
from .models_handling import (  # noqa: E402
    Evaluation,
    Extension,
    FollowUpTask,
    HandlingRecord,
    HandlingTrack,
    MediationReferral,
    Opinion,
    Review,
)

__all__ = [
    "Attachment",
    "Evaluation",
    "Extension",
    "FollowUpTask",
    "HandlingRecord",
    "HandlingTrack",
    "Matter",
    "MatterLink",
    "MatterParticipant",
    "MatterSequence",
    "MediationReferral",
    "Notice",
    "Opinion",
    "Petitioner",
    "Review",
    "Routing",
]
