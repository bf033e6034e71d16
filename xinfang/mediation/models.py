"""The mediation network (P5) and mediation cases (人民调解, regulations.md §4.6, MED-01..MED-06).

A case records where it came from generically (`source_kind`, `source_id`, `source_label`): this
app imports no grid code; the grid app links its events here with a one-to-one field of its own and
hears of results through `services.mediation_source_register`. Parties' personal data (name, phone,
ID number, address) lives in `MediationParty` only and never in audit rows.

Clocks are `workcalendar.Clock` rows on the case (object type "mediation.mediationcase", kinds
"mediation_*", see `states.CLOCK_KINDS`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.core.text import localized_name
from xinfang.orgs.models import Organisation

from .states import BodyKind, CaseStatus, JcResult, MediatorKind, PartyRole, SourceKind


class MediationBody(models.Model):
    """A mediation organisation of the network: a people's mediation committee (district, town or
    village), an industry or professional body, a notary office, a deputies' and CPPCC members'
    studio, a volunteer team or a named mediation point. `organisation` is the body in the
    organisation tree it belongs to (its territorial scope; the permission path runs through it)."""

    restrict_org_field = "organisation"

    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    kind = models.CharField(_("类型"), max_length=24, choices=BodyKind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="mediation_bodies"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["MediationBody"]()

    class Meta:
        verbose_name = _("调解组织")
        verbose_name_plural = _("调解组织")
        ordering = ["organisation__path", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return localized_name(self.name, self.name_en)


class Mediator(models.Model):
    """A mediator of a body, with a user account or without one (a volunteer who never logs in).
    `specialities` are the grid dispute categories or free tags ("婚姻家庭", "劳动争议" …)."""

    restrict_org_field = "body__organisation"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mediator_profiles",
    )
    name = models.CharField(_("姓名"), max_length=100)
    body = models.ForeignKey(
        MediationBody, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="mediators"
    )
    kind = models.CharField(_("类别"), max_length=16, choices=MediatorKind.choices, default=MediatorKind.PART_TIME)
    specialities = models.JSONField(_("擅长领域"), default=list, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["Mediator"]()

    class Meta:
        verbose_name = _("调解员")
        verbose_name_plural = _("调解员")
        ordering = ["body_id", "name"]

    def __str__(self) -> str:
        return self.name


class MediationCase(models.Model):
    """One mediation case: applied -> accepted (or refused) -> sessions -> agreed or failed ->
    fulfilled or not (follow-up). `organisation` is the body's organisation (restrict()).
    The agreement fields follow MED-04 (人民调解法 Art. 29); `agreed_at` is when the agreement took
    effect and starts the 30-day window for the joint application for judicial confirmation
    (MED-05, D36)."""

    restrict_org_field = "organisation"

    number = models.CharField(_("案件编号"), max_length=40, unique=True)
    body = models.ForeignKey(MediationBody, verbose_name=_("调解组织"), on_delete=models.PROTECT, related_name="cases")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="mediation_cases"
    )
    source_kind = models.CharField(_("案件来源"), max_length=16, choices=SourceKind.choices)
    source_id = models.CharField(_("来源编号"), max_length=64, blank=True)
    source_label = models.CharField(_("来源说明"), max_length=200, blank=True)
    matter = models.ForeignKey(
        "petitions.Matter",
        verbose_name=_("信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_cases",
    )
    referral = models.OneToOneField(
        "petitions.MediationReferral",
        verbose_name=_("访调对接移交"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="mediation_case",
    )
    category = models.CharField(_("纠纷类型"), max_length=100, blank=True)
    summary = models.TextField(_("纠纷简要情况"))
    status = models.CharField(
        _("状态"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.APPLIED, db_index=True
    )
    mediators = models.ManyToManyField(Mediator, verbose_name=_("调解员"), blank=True, related_name="cases")
    applied_at = models.DateTimeField(_("申请时间"))
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    refusal_reason = models.TextField(_("不予受理理由"), blank=True)
    # MED-04 (人民调解法 Art. 29): the agreement.
    agreement_facts = models.TextField(_("纠纷的主要事实、争议事项及各方责任"), blank=True)
    agreement_terms = models.TextField(_("协议内容"), blank=True)
    agreement_performance = models.TextField(_("履行方式和期限"), blank=True)
    agreed_at = models.DateTimeField(_("协议生效时间"), null=True, blank=True)
    agreement_document = models.ForeignKey(
        "notices.Document",
        verbose_name=_("调解协议书"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # MED-03: failure and the routes the parties were told of.
    failure_reason = models.TextField(_("调解不成原因"), blank=True)
    routes_notice = models.TextField(_("告知其他救济途径"), blank=True)
    ended_at = models.DateTimeField(_("调解终结时间"), null=True, blank=True)
    fulfilment_note = models.TextField(_("履行回访情况"), blank=True)
    fulfilment_checked_at = models.DateTimeField(_("履行回访时间"), null=True, blank=True)
    # MED-05/06: joint application for judicial confirmation and the court's answer.
    jc_applied_at = models.DateField(_("申请司法确认日期"), null=True, blank=True)
    jc_court = models.CharField(_("受理法院"), max_length=120, blank=True)
    jc_result = models.CharField(_("司法确认结果"), max_length=16, choices=JcResult.choices, blank=True)
    jc_result_at = models.DateField(_("司法确认结果日期"), null=True, blank=True)
    jc_note = models.TextField(_("司法确认说明"), blank=True)
    # P6 and court referrals: the result sent back to a body outside the system that sent the case.
    result_returned_at = models.DateField(_("结果反馈日期"), null=True, blank=True)
    result_returned_note = models.TextField(_("结果反馈情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["MediationCase"]()

    class Meta:
        verbose_name = _("调解案件")
        verbose_name_plural = _("调解案件")
        ordering = ["-applied_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["source_kind", "source_id"]),
        ]

    def __str__(self) -> str:
        return self.number


class MediationParty(models.Model):
    """A party to a case. MED-01: mediation is voluntary — each party's consent is recorded
    (`consent_recorded`, `consent_at`, `consent_note`); a party who refuses (`refused_at`) stops it."""

    restrict_org_field = "case__organisation"

    case = models.ForeignKey(
        MediationCase, verbose_name=_("调解案件"), on_delete=models.CASCADE, related_name="parties"
    )
    name = models.CharField(_("姓名或名称"), max_length=100)
    role = models.CharField(_("当事人类别"), max_length=12, choices=PartyRole.choices)
    phone = models.CharField(_("电话"), max_length=32, blank=True)
    id_number = models.CharField(_("证件号码"), max_length=32, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    consent_recorded = models.BooleanField(_("已记录同意调解"), default=False)
    consent_at = models.DateTimeField(_("同意时间"), null=True, blank=True)
    consent_note = models.CharField(_("同意方式说明"), max_length=200, blank=True)
    refused_at = models.DateTimeField(_("拒绝调解时间"), null=True, blank=True)

    objects = RestrictedManager["MediationParty"]()

    class Meta:
        verbose_name = _("调解当事人")
        verbose_name_plural = _("调解当事人")
        ordering = ["case_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(consent_recorded=False) | Q(refused_at__isnull=True),
                name="mediation_party_consent_or_refusal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_role_display()}"

    @property
    def id_number_masked(self) -> str:
        """The ID number as lists show it: first 3 and last 2 characters."""
        value = self.id_number
        if len(value) <= 5:
            return "*" * len(value)
        return f"{value[:3]}{'*' * (len(value) - 5)}{value[-2:]}"

    @property
    def phone_masked(self) -> str:
        value = self.phone
        if len(value) <= 7:
            return "*" * len(value)
        return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


class MediationSession(models.Model):
    """A mediation session: when, where, who mediated, what happened (the session log)."""

    restrict_org_field = "case__organisation"

    case = models.ForeignKey(
        MediationCase, verbose_name=_("调解案件"), on_delete=models.CASCADE, related_name="sessions"
    )
    held_at = models.DateTimeField(_("调解时间"))
    place = models.CharField(_("调解地点"), max_length=200)
    mediators = models.ManyToManyField(Mediator, verbose_name=_("参加调解员"), blank=True, related_name="+")
    notes = models.TextField(_("调解情况"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = RestrictedManager["MediationSession"]()

    class Meta:
        verbose_name = _("调解记录")
        verbose_name_plural = _("调解记录")
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.held_at:%Y-%m-%d}"


class MediationSequence(models.Model):
    """Per-organisation, per-year counter for case numbers (row-locked when incremented)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="mediation_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"
