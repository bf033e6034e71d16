"""The power list (权责清单): which organisation is competent for which matter type, at which
level, on which legal basis; versioned by date; disputes settled by the joint conference.

Dates: an entry is in force on day D when `valid_from <= D` and (`valid_to` is empty or
`D < valid_to`). `valid_to` is the first day on which the entry no longer applies, so a revision
on day D closes the old version with `valid_to = D` and opens the new one with `valid_from = D`,
and the list in force on any past day can be reproduced (`selectors.power_list_on`)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Function, Level, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

_M = TypeVar("_M", bound=models.Model)


class ReferenceQuerySet(models.QuerySet[_M]):
    """The power list is published reference data: whoever may take `action` anywhere sees all of
    it, everyone else nothing. Same `restrict(user, action)` read path as the other models."""

    def in_force(self, on_date: datetime.date) -> ReferenceQuerySet[_M]:
        return self.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on_date), valid_from__lte=on_date)

    def restrict(self, user: AbstractBaseUser | AnonymousUser | Any, action: str) -> ReferenceQuerySet[_M]:
        from xinfang.accounts.policies import user_can

        return self if user_can(user, action) else self.none()


class ReferenceManager(models.Manager[_M]):
    def get_queryset(self) -> ReferenceQuerySet[_M]:
        return ReferenceQuerySet(self.model, using=self._db)

    def restrict(self, user: AbstractBaseUser | AnonymousUser | Any, action: str) -> ReferenceQuerySet[_M]:
        return self.get_queryset().restrict(user, action)

    def in_force(self, on_date: datetime.date) -> ReferenceQuerySet[_M]:
        return self.get_queryset().in_force(on_date)


class MatterType(models.Model):
    """A kind of matter the routing is keyed on (e.g. 拖欠工资, 房屋质量, 征地拆迁补偿). Not the
    statistical category: the two label systems are kept apart (architecture.md). Matters point
    at it, so it is edited in place (audited); what is versioned is who is competent (`Power`)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=500, blank=True, help_text=_("以空格分隔，用于提示事项类型。"))
    is_active = models.BooleanField(_("有效"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ReferenceManager["MatterType"]()

    class Meta:
        verbose_name = _("事项类型")
        verbose_name_plural = _("事项类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name as the current reader should see it (English or traditional script)."""
        from xinfang.core.text import localized_name

        return localized_name(self.name, self.name_en)

    def keyword_list(self) -> list[str]:
        """Keywords split on spaces and the usual Chinese separators."""
        text = self.keywords
        for separator in "，,、；;/":
            text = text.replace(separator, " ")
        return [word for word in text.split() if word]


class Power(models.Model):
    """One entry of the power list: for a matter type at a level, the competent organisation —
    either one named organisation, or "the department with this function in the matter's area"
    (so one entry serves every town: 属地管理、分级负责, XF-TRI-01(b)). Valid for a date range;
    a revision closes this version and opens a new one (`previous` links them)."""

    matter_type = models.ForeignKey(
        MatterType, verbose_name=_("事项类型"), on_delete=models.PROTECT, related_name="powers"
    )
    level = models.PositiveSmallIntegerField(_("层级"), choices=Level.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("主管机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="powers"
    )
    function = models.CharField(_("主管职能"), max_length=24, choices=Function.choices, blank=True)
    department_keyword = models.CharField(
        _("部门名称关键词"),
        max_length=40,
        blank=True,
        help_text=_("按职能找不到唯一部门时，用名称中的关键词区分，如“住房”。"),
    )
    is_lead = models.BooleanField(_("牵头"), default=True, help_text=_("不勾选表示协同办理。"))
    legal_basis = models.TextField(_("法定依据"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("自该日起不再施行；留空表示长期有效。")
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
        editable=False,
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ReferenceManager["Power"]()

    class Meta:
        verbose_name = _("权责事项")
        verbose_name_plural = _("权责清单")
        ordering = ["matter_type", "level", "-is_lead", "valid_from"]
        indexes = [models.Index(fields=["matter_type", "level", "valid_from"])]
        constraints = [
            # Either one named organisation or a function (resolved in the matter's area), never both.
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(function=""))
                | (Q(organisation__isnull=True) & ~Q(function="")),
                name="powerlist_power_org_xor_function",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="powerlist_power_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_type} · {self.get_level_display()} · {self.competent_label}"

    @property
    def competent_label(self) -> str:
        """Who is competent, as shown in lists: the named organisation, or the function (and
        keyword) looked up in the matter's area."""
        if self.organisation_id is not None and self.organisation is not None:
            return self.organisation.local_name
        label = _("%(level)s%(function)s") % {
            "level": self.get_level_display(),
            "function": self.get_function_display(),
        }
        if self.department_keyword:
            label += _("（名称含“%(keyword)s”）") % {"keyword": self.department_keyword}
        return str(label)

    def is_in_force(self, on_date: datetime.date) -> bool:
        return self.valid_from <= on_date and (self.valid_to is None or on_date < self.valid_to)


class DecidedAs(models.TextChoices):
    """In which capacity the deciding body settled the dispute (XF-JUR-01)."""

    COMMON_SUPERIOR = "common_superior", _("共同上级机关")
    JOINT_CONFERENCE = "joint_conference", _("信访工作联席会议")


class JurisdictionDecision(models.Model):
    """A settled dispute over competence (XF-JUR-01): organisations disagreed; the common superior
    or the joint conference decided who accepts. Routing follows the decision from its date, for
    the matter type in the area (and everything under it), until it is ended or superseded."""

    restrict_org_field = "decided_by"

    matter_type = models.ForeignKey(
        MatterType, verbose_name=_("事项类型"), on_delete=models.PROTECT, related_name="jurisdiction_decisions"
    )
    area = models.ForeignKey(
        Organisation,
        verbose_name=_("适用辖区"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("决定适用的辖区（含下级）。"),
    )
    disputing = models.ManyToManyField(Organisation, verbose_name=_("争议各方"), related_name="+")
    competent = models.ForeignKey(
        Organisation, verbose_name=_("确定的受理机关"), on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        Organisation,
        verbose_name=_("决定机关"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("共同上级机关，或代表信访工作联席会议的党委、政府或信访部门。"),
    )
    decided_as = models.CharField(
        _("决定身份"), max_length=20, choices=DecidedAs.choices, default=DecidedAs.JOINT_CONFERENCE, editable=False
    )
    decision_ref = models.CharField(_("决定文号或会议纪要"), max_length=120)
    reason = models.TextField(_("理由"))
    decided_on = models.DateField(_("决定日期"))
    valid_to = models.DateField(
        _("失效日期"), null=True, blank=True, help_text=_("自该日起不再适用；留空表示长期有效。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = RestrictedManager["JurisdictionDecision"]()

    class Meta:
        verbose_name = _("管辖争议决定")
        verbose_name_plural = _("管辖争议决定")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("decided_on")),
                name="powerlist_decision_valid_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.matter_type} → {self.competent}"

    def is_in_force(self, on_date: datetime.date) -> bool:
        return self.decided_on <= on_date and (self.valid_to is None or on_date < self.valid_to)
