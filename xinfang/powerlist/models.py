"""The power list (权责清单): which organisation is competent for which matter type, at which
level, on which legal basis; versioned by date; disputes settled by the joint conference."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Function, Level, Organisation


class MatterType(models.Model):
    """A kind of matter the routing is keyed on (e.g. 拖欠工资, 房屋质量, 征地拆迁补偿). Not the
    statistical category: the two label systems are kept apart (architecture.md)."""

    code = models.CharField(_("编码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    keywords = models.CharField(_("关键词"), max_length=500, blank=True, help_text=_("以空格分隔，用于提示事项类型。"))
    is_active = models.BooleanField(_("有效"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("事项类型")
        verbose_name_plural = _("事项类型")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Power(models.Model):
    """One entry of the power list: for a matter type at a level, the competent organisation —
    either one named organisation, or "the department with this function in the matter's area"
    (so one entry serves every town). Valid for a date range: the list is versioned by date."""

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
    is_lead = models.BooleanField(_("牵头"), default=True)
    legal_basis = models.TextField(_("法定依据"))
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("权责事项")
        verbose_name_plural = _("权责清单")
        ordering = ["matter_type", "level", "-is_lead"]
        indexes = [models.Index(fields=["matter_type", "level", "valid_from"])]

    def __str__(self) -> str:
        return f"{self.matter_type} · {self.get_level_display()}"


class JurisdictionDecision(models.Model):
    """A settled dispute over competence (XF-JUR-01): organisations disagreed; the common superior
    or the joint conference decided who accepts. Routing follows the decision from its date."""

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
        help_text=_("共同上级机关或信访工作联席会议。"),
    )
    decision_ref = models.CharField(_("决定文号或会议纪要"), max_length=120)
    reason = models.TextField(_("理由"))
    decided_on = models.DateField(_("决定日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True)

    objects = RestrictedManager["JurisdictionDecision"]()

    class Meta:
        verbose_name = _("管辖争议决定")
        verbose_name_plural = _("管辖争议决定")
        ordering = ["-decided_on"]

    def __str__(self) -> str:
        return f"{self.matter_type} → {self.competent}"
