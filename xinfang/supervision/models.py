"""Supervision and accountability (issue 8 items 2-5; regulations.md §1.15, §1.16, §4.5, XF-JUR-01).

- `SupervisorAppointment`: a cadre appointed petition supervisor for a period; the appointment
  grants (and at its end revokes) a `supervisor` membership through the accounts services.
- `SupervisionOrder` (督办): opened by a supervising organisation on a matter or an organisation,
  answered by the supervised organisation, closed or escalated (挂牌督办); deadline clock and
  instrument (督办单) through workcalendar and notices.
- `Referral`: a sealed case file sent to a discipline inspection organisation (DIS-01..04), with
  the notices to a real-name reporter and `ReferralObjection`s to the result (DIS-04).
- `AccountabilityRecord`: a finding against an organisation or an official and the measure taken
  (XF-ACC-01..03); hidden from the official and the unit concerned (XF-CLS-03).
- `Meeting`, `MeetingDecision`: the joint conference (联席会议), its decisions (a jurisdiction
  decision binds routing, XF-JUR-01) and their follow-up."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .states import (
    CloseOutcome,
    DecisionKind,
    FindingKind,
    FollowUpStatus,
    HandlingMode,
    Measure,
    OrderKind,
    OrderStatus,
    ReferralStatus,
    Trigger,
)

USER = settings.AUTH_USER_MODEL


def _exclude_subject(queryset: Any, user: Any, *, user_field: str, org_field: str) -> Any:
    """XF-CLS-03: leave out rows about `user` or a unit the user is an active member of."""
    units = user.memberships.filter(is_active=True).values("organisation_id")
    return queryset.exclude(Q(**{user_field: user}) | Q(**{f"{org_field}__in": units}))


def _exclude_reported_matter(queryset: Any, user: Any) -> Any:
    """XF-CLS-03 for rows that carry a matter: hidden from whoever the matter reports on."""
    from xinfang.petitions.models import Matter, exclude_reports_on

    hidden = exclude_reports_on(Matter.objects.all(), user).values("pk")
    return queryset.filter(Q(matter__isnull=True) | Q(matter__in=hidden))


class SupervisorAppointment(models.Model):
    """A cadre appointed petition supervisor (督查专员) in an organisation for a period."""

    restrict_org_field = "organisation"

    user = models.ForeignKey(USER, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("任职机构"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("任职起始日"))
    ends_on = models.DateField(_("任职截止日"))
    note = models.CharField(_("任命依据"), max_length=200, blank=True)
    membership = models.ForeignKey(
        "accounts.Membership",
        verbose_name=_("任职"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("任命登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedManager["SupervisorAppointment"]()

    class Meta:
        verbose_name = _("督查专员任命")
        verbose_name_plural = _("督查专员任命")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="sup_appointment_period")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation}"


class SupervisionOrder(models.Model):
    """One supervision order (督办). Seen by the supervising and the supervised organisation (and
    whoever's scope covers them); an order on a report is hidden from those it reports on."""

    restrict_org_field = ("issuing_org", "target_org")

    number = models.CharField(_("督办编号"), max_length=32, unique=True)
    kind = models.CharField(_("督办方式"), max_length=16, choices=OrderKind.choices, default=OrderKind.ORDINARY)
    issuing_org = models.ForeignKey(
        Organisation, verbose_name=_("督办机关"), on_delete=models.PROTECT, related_name="+"
    )
    target_org = models.ForeignKey(
        Organisation, verbose_name=_("被督办单位"), on_delete=models.PROTECT, related_name="supervision_orders"
    )
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_orders",
    )
    trigger = models.CharField(_("督办事由"), max_length=20, choices=Trigger.choices)
    demands = models.TextField(_("督办要求"))
    period = models.PositiveIntegerField(_("反馈期限"))
    unit = models.CharField(_("期限单位"), max_length=16)
    due_date = models.DateField(_("反馈截止日"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.OPEN, db_index=True
    )
    answer = models.TextField(_("书面反馈"), blank=True)
    adopted = models.BooleanField(_("是否采纳督办意见"), null=True, blank=True)
    answered_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        USER, verbose_name=_("反馈人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("办结结论"), max_length=16, choices=CloseOutcome.choices, blank=True)
    close_note = models.TextField(_("办结意见"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("原督办"), null=True, blank=True, on_delete=models.PROTECT, related_name="escalations"
    )
    escalation_reason = models.TextField(_("提级理由"), blank=True)
    document = models.ForeignKey(
        "notices.Document", verbose_name=_("督办单"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("督办人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("督办时间"), auto_now_add=True)

    objects = RestrictedManager["SupervisionOrder"]()

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["target_org", "status"]), models.Index(fields=["issuing_org", "status"])]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        return _exclude_reported_matter(queryset, user)


class Referral(models.Model):
    """A case file referred to discipline inspection (DIS-01), sealed by the SHA-256 of its
    canonical content; the clock of DIS-03 runs where the referral is a transfer between levels."""

    restrict_org_field = ("sending_org", "discipline_org")

    number = models.CharField(_("移送编号"), max_length=32, unique=True)
    matter = models.ForeignKey(
        "petitions.Matter", verbose_name=_("信访事项"), on_delete=models.PROTECT, related_name="discipline_referrals"
    )
    sending_org = models.ForeignKey(
        Organisation, verbose_name=_("移送机关"), on_delete=models.PROTECT, related_name="+"
    )
    discipline_org = models.ForeignKey(
        Organisation, verbose_name=_("纪检监察机关"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("移送理由"))
    is_real_name = models.BooleanField(_("实名检举控告"), default=False)
    clock_applies = models.BooleanField(_("适用五个工作日时限"), default=False)
    content = models.JSONField(_("案卷内容"))
    content_sha256 = models.CharField(_("案卷哈希"), max_length=64)
    status = models.CharField(_("状态"), max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.SENT)
    received_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    handling_mode = models.CharField(_("处置方式"), max_length=16, choices=HandlingMode.choices, blank=True)
    feedback = models.TextField(_("反馈结果"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    # DIS-04 (real-name reports): a repeat report is not told of its acceptance again.
    is_repeat_report = models.BooleanField(_("重复检举控告"), default=False)
    acceptance_notice = models.TextField(_("受理情况告知"), blank=True)
    acceptance_notified_at = models.DateTimeField(_("受理情况告知时间"), null=True, blank=True)
    result_notice = models.TextField(_("处理结果告知"), blank=True)
    result_notified_at = models.DateTimeField(_("处理结果告知时间"), null=True, blank=True)
    last_verified_at = models.DateTimeField(_("最近校验时间"), null=True, blank=True)
    last_verified_ok = models.BooleanField(_("最近校验结果"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("移送人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("移送时间"), auto_now_add=True)

    objects = RestrictedManager["Referral"]()

    class Meta:
        verbose_name = _("移送纪检监察")
        verbose_name_plural = _("移送纪检监察")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        return _exclude_reported_matter(queryset, user)


class ReferralObjection(models.Model):
    """A real-name reporter's objection to the result of a referred report, with the explanation
    given and, where the reporter brings new evidence, its verification (DIS-04)."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("移送纪检监察"), on_delete=models.CASCADE, related_name="objections"
    )
    objection = models.TextField(_("异议内容"))
    explanation = models.TextField(_("解释说明"))
    has_new_evidence = models.BooleanField(_("提供新证据"), default=False)
    verification = models.TextField(_("新证据核实情况"), blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检举控告异议")
        verbose_name_plural = _("检举控告异议")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} · {self.recorded_at:%Y-%m-%d}"


class AccountabilityRecord(models.Model):
    """A finding against an organisation or an official, and the measure taken (XF-ACC-01..03).
    Never shown to the official or to members of the unit concerned (XF-CLS-03)."""

    restrict_org_field = ("organisation", "subject_org")

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("记录机关"), on_delete=models.PROTECT, related_name="+"
    )
    subject_org = models.ForeignKey(
        Organisation, verbose_name=_("被追责单位"), on_delete=models.PROTECT, related_name="+"
    )
    subject_user = models.ForeignKey(
        USER, verbose_name=_("被追责人员"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_name = models.CharField(_("被追责人员姓名"), max_length=60, blank=True)
    finding = models.CharField(_("问题类型"), max_length=20, choices=FindingKind.choices)
    facts = models.TextField(_("认定事实"))
    measure = models.CharField(_("处理措施"), max_length=16, choices=Measure.choices)
    measure_note = models.TextField(_("处理情况"), blank=True)
    decided_on = models.DateField(_("处理日期"))
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    order = models.ForeignKey(
        SupervisionOrder, verbose_name=_("督办"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        USER, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedManager["AccountabilityRecord"]()

    class Meta:
        verbose_name = _("追责问责记录")
        verbose_name_plural = _("追责问责记录")
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.subject_org} · {self.get_finding_display()}"

    @classmethod
    def restrict_further(cls, queryset: Any, user: Any, action: str) -> Any:
        queryset = _exclude_subject(queryset, user, user_field="subject_user", org_field="subject_org")
        return _exclude_reported_matter(queryset, user)


class Meeting(models.Model):
    """A joint conference meeting (信访工作联席会议) convened by an organisation."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("召集机关"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("会议名称"), max_length=120)
    held_on = models.DateField(_("会议日期"))
    place = models.CharField(_("地点"), max_length=120, blank=True)
    attendee_orgs = models.ManyToManyField(Organisation, verbose_name=_("参会单位"), blank=True, related_name="+")
    attendees = models.TextField(_("参会人员"), blank=True)
    matters = models.ManyToManyField("petitions.Matter", verbose_name=_("研究的信访事项"), blank=True, related_name="+")
    minutes = models.TextField(_("会议纪要"), blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    objects = RestrictedManager["Meeting"]()

    class Meta:
        verbose_name = _("联席会议")
        verbose_name_plural = _("联席会议")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    """One decision of a meeting and its follow-up. A jurisdiction decision names the competent
    organisation for a kind of matter (`matter_type`) or one matter (XF-JUR-01); while in force it
    binds the routing (`selectors.jurisdiction_decision_for`)."""

    restrict_org_field = "meeting__organisation"

    meeting = models.ForeignKey(Meeting, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("决定类型"), max_length=16, choices=DecisionKind.choices)
    text = models.TextField(_("决定内容"))
    competent_org = models.ForeignKey(
        Organisation, verbose_name=_("负责单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    matter_type = models.ForeignKey(
        "powerlist.MatterType",
        verbose_name=_("事项类型"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.ForeignKey(
        Organisation, verbose_name=_("适用辖区"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("有效"), default=True)
    follow_up_due = models.DateField(_("落实期限"), null=True, blank=True)
    follow_up_status = models.CharField(
        _("落实情况"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PENDING
    )
    follow_up_note = models.TextField(_("落实说明"), blank=True)
    followed_up_at = models.DateTimeField(_("落实登记时间"), null=True, blank=True)

    objects = RestrictedManager["MeetingDecision"]()

    class Meta:
        verbose_name = _("联席会议决定")
        verbose_name_plural = _("联席会议决定")
        ordering = ["meeting", "number"]
        constraints = [models.UniqueConstraint(fields=["meeting", "number"], name="sup_decision_number_unique")]

    def __str__(self) -> str:
        return f"{self.meeting} #{self.number}"

    @property
    def reference(self) -> str:
        return f"{self.meeting.held_on:%Y%m%d}-{self.meeting_id}-{self.number}"
