"""The one-stop service platform (一站式, P1): the kinds of legal service, the service points at district,
town/street and village/community level that offer them, and the public's requests.

Kinds and points are public reference data (anyone may read the catalogue). A request belongs to the
organisation of its service point: staff see and handle it through
`ServiceRequest.objects.restrict(user, "legalservice.handle")` (docs/permissions.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.core.text import in_reader_language, localized_name
from xinfang.orgs.models import Level, Organisation
from xinfang.workcalendar.choices import Unit


class LimitFrom(models.TextChoices):
    """What a kind's time limit measures: the decision on a request, counted from its receipt
    (legal aid, D38), or the service itself, counted from acceptance (notarisation, D41)."""

    RECEIPT = "receipt", _("自收到申请之日起，至作出决定")
    ACCEPTANCE = "acceptance", _("自受理之日起，至办结")


class ServiceKind(models.Model):
    """A kind of service in the catalogue (legal aid, notarisation …): what it is, its legal basis,
    what to bring and its time limit. Seeded by a data migration, edited in the admin."""

    code = models.SlugField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=120, blank=True)
    description = models.TextField(_("服务内容"), blank=True)
    description_en = models.TextField(_("服务内容（英文）"), blank=True)
    legal_basis = models.CharField(_("法律依据"), max_length=300, blank=True)
    legal_basis_en = models.CharField(_("法律依据（英文）"), max_length=400, blank=True)
    what_to_bring = models.TextField(_("需携带材料"), blank=True)
    what_to_bring_en = models.TextField(_("需携带材料（英文）"), blank=True)
    time_limit_text = models.CharField(_("办理时限说明"), max_length=300, blank=True)
    time_limit_text_en = models.CharField(_("办理时限说明（英文）"), max_length=400, blank=True)
    limit_period = models.PositiveSmallIntegerField(
        _("法定期间"), null=True, blank=True, help_text=_("留空表示没有法定时限，不计时。")
    )
    limit_unit = models.CharField(_("期间单位"), max_length=16, choices=Unit.choices, blank=True)
    limit_from = models.CharField(_("计时范围"), max_length=16, choices=LimitFrom.choices, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("有效"), default=True)

    class Meta:
        verbose_name = _("服务类型")
        verbose_name_plural = _("服务类型")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(limit_period__isnull=True, limit_unit="", limit_from="")
                    | (
                        models.Q(limit_period__gt=0)
                        & ~models.Q(limit_unit="")
                        & models.Q(limit_from__in=["receipt", "acceptance"])
                    )
                ),
                name="legalservices_kind_limit_complete",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return localized_name(self.name, self.name_en)

    @property
    def local_description(self) -> str:
        return in_reader_language(self.description, self.description_en)

    @property
    def local_legal_basis(self) -> str:
        return in_reader_language(self.legal_basis, self.legal_basis_en)

    @property
    def local_what_to_bring(self) -> str:
        return in_reader_language(self.what_to_bring, self.what_to_bring_en)

    @property
    def local_time_limit_text(self) -> str:
        return in_reader_language(self.time_limit_text, self.time_limit_text_en)

    @property
    def has_limit(self) -> bool:
        return bool(self.limit_period and self.limit_unit and self.limit_from)

    @property
    def clock_kind(self) -> str:
        """The name of the clock a request of this kind runs, e.g. "legal_aid_7calendar"."""
        return f"{self.code}_{self.limit_period}{self.limit_unit}" if self.has_limit else ""


class ServicePoint(models.Model):
    """A place where the public gets services: run by an organisation of the district (the justice
    bureau, a town's justice office, a mediation committee …) at district, town or village level."""

    restrict_org_field = "organisation"

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("所属机构"), on_delete=models.PROTECT, related_name="service_points"
    )
    name = models.CharField(_("名称"), max_length=120)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    address = models.CharField(_("地址"), max_length=200)
    address_en = models.CharField(_("地址（英文）"), max_length=300, blank=True)
    hours = models.CharField(_("服务时间"), max_length=200)
    hours_en = models.CharField(_("服务时间（英文）"), max_length=200, blank=True)
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    kinds = models.ManyToManyField(ServiceKind, verbose_name=_("服务项目"), related_name="points")
    is_active = models.BooleanField(_("有效"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["ServicePoint"]()

    class Meta:
        verbose_name = _("服务点")
        verbose_name_plural = _("服务点")
        ordering = ["sort_order", "organisation__path", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="legalservices_point_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        return localized_name(self.name, self.name_en)

    @property
    def local_address(self) -> str:
        return in_reader_language(self.address, self.address_en)

    @property
    def local_hours(self) -> str:
        return in_reader_language(self.hours, self.hours_en)

    @property
    def level(self) -> int:
        return int(self.organisation.level)

    @property
    def level_label(self) -> str:
        return str(Level(self.organisation.level).label)


class RequestStatus(models.TextChoices):
    """requested → accepted → in progress → completed; declined (with a reason) or cancelled (by the
    person) on the way."""

    REQUESTED = "requested", _("已提交")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("办理中")
    COMPLETED = "completed", _("已办结")
    DECLINED = "declined", _("不予办理")
    CANCELLED = "cancelled", _("已取消")


OPEN_STATUSES = frozenset({RequestStatus.REQUESTED, RequestStatus.ACCEPTED, RequestStatus.IN_PROGRESS})


class RequestChannel(models.TextChoices):
    """How a request reached the point: online by the person, or registered by staff for a person
    who came in (walk-in) or telephoned."""

    ONLINE = "online", _("网上申请")
    WALK_IN = "walk_in", _("来访")
    PHONE = "phone", _("来电")


STAFF_CHANNELS = frozenset({RequestChannel.WALK_IN, RequestChannel.PHONE})


class TimeSlot(models.TextChoices):
    MORNING = "morning", _("上午")
    AFTERNOON = "afternoon", _("下午")


class ServiceRequest(models.Model):
    """A person's booking or request at a service point, made online or registered by staff for a
    person who came in or telephoned (`channel`). The person follows it on the public status page
    with the random public reference and the access code, of which only a keyed hash is kept."""

    restrict_org_field = "point__organisation"

    reference = models.CharField(_("申请编号"), max_length=16, unique=True)
    access_code_hash = models.CharField(_("查询码摘要"), max_length=64, editable=False)
    point = models.ForeignKey(ServicePoint, verbose_name=_("服务点"), on_delete=models.PROTECT, related_name="requests")
    kind = models.ForeignKey(ServiceKind, verbose_name=_("服务项目"), on_delete=models.PROTECT, related_name="requests")
    preferred_date = models.DateField(_("希望办理日期"))
    time_slot = models.CharField(_("时段"), max_length=16, choices=TimeSlot.choices)
    name = models.CharField(_("姓名"), max_length=60)
    phone = models.CharField(_("联系电话"), max_length=20)
    description = models.TextField(_("简要说明"), max_length=1000)
    language = models.CharField(_("申请语言"), max_length=10, blank=True)
    channel = models.CharField(
        _("申请渠道"), max_length=16, choices=RequestChannel.choices, default=RequestChannel.ONLINE
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.REQUESTED, db_index=True
    )
    public_note = models.TextField(_("给申请人的说明"), blank=True)
    outcome = models.TextField(_("办理结果"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始办理时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = RestrictedManager["ServiceRequest"]()

    class Meta:
        verbose_name = _("服务申请")
        verbose_name_plural = _("服务申请")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["point", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
