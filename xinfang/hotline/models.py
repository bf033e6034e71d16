"""12345 work orders (工单) as records of their own (HOT-05): never merged with petition matters;
an order that becomes a petition points at the matter registered from it, and the matter keeps the
order's reference (`Matter.hotline_order_ref`). Clocks are `workcalendar.Clock` rows on the order
(object type "hotline.hotlineorder", kinds "hotline_*").

The caller's name and phone are personal data: masked in lists and the API, shown in full only on
request to holders of `personal_data.view`, each view audited; audit rows never hold them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from xinfang.core.querysets import RestrictedManager
from xinfang.orgs.models import Organisation

from .states import Evaluation, Exclusion, OrderKind, OrderStatus

source_code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$", _("来源系统编码只能包含字母、数字、点、下划线和连字符。")
)
# The reference a hotline gives its order; as long as `Matter.hotline_order_ref`, which keeps it.
EXTERNAL_ID_MAX = 40


class HotlineOrder(models.Model):
    """One order of a 12345 platform (`source_system`, `external_id`: unique together, so the same
    order sent twice is one record). It arrives at `receiving_org`, is dispatched (派单) to the
    organisation that handles it (`current_org` while it is there; `dispatched_from` is who
    dispatched it), and is answered, visited and evaluated (HOT-01's closed loop)."""

    restrict_org_field = ("receiving_org", "current_org", "dispatched_from")

    source_system = models.CharField(_("来源系统"), max_length=32, validators=[source_code_validator])
    external_id = models.CharField(_("工单编号"), max_length=EXTERNAL_ID_MAX)
    receiving_org = models.ForeignKey(
        Organisation, verbose_name=_("接收机构"), on_delete=models.PROTECT, related_name="received_hotline_orders"
    )
    current_org = models.ForeignKey(
        Organisation, verbose_name=_("当前承办机构"), on_delete=models.PROTECT, related_name="held_hotline_orders"
    )
    dispatched_from = models.ForeignKey(
        Organisation, verbose_name=_("派单机构"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    caller_name = models.CharField(_("来电人姓名"), max_length=100, blank=True)
    caller_phone = models.CharField(_("来电人电话"), max_length=32, blank=True)
    kind = models.CharField(_("诉求类型"), max_length=16, choices=OrderKind.choices)
    category = models.CharField(_("分类"), max_length=100, blank=True)
    content = models.TextField(_("诉求内容"))
    place_text = models.CharField(_("事发地点"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("受理时间"), help_text=_("热线受理该工单的时间。"))
    status = models.CharField(
        _("状态"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.RECEIVED, db_index=True
    )
    exclusion = models.CharField(_("不予受理情形"), max_length=24, choices=Exclusion.choices, blank=True)
    exclusion_note = models.TextField(_("不予受理说明"), blank=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    return_reason = models.TextField(_("退单理由"), blank=True)
    objection_reason = models.TextField(_("异议理由"), blank=True)
    extension_days = models.PositiveSmallIntegerField(_("延期工作日"), default=0)
    extension_reason = models.TextField(_("延期理由"), blank=True)
    reply = models.TextField(_("办理结果"), blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    return_visit_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    return_visit_note = models.TextField(_("回访情况"), blank=True)
    evaluation = models.CharField(_("评价"), max_length=24, choices=Evaluation.choices, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("并入工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_orders",
    )
    merge_reason = models.TextField(_("并单理由"), blank=True)
    rehandle_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    rehandle_reason = models.TextField(_("重办理由"), blank=True)
    matter = models.OneToOneField(
        "petitions.Matter",
        verbose_name=_("转为信访事项"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hotline_order",
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedManager["HotlineOrder"]()

    class Meta:
        verbose_name = _("12345工单")
        verbose_name_plural = _("12345工单")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source_system", "external_id"], name="hotline_order_unique_external_id")
        ]
        indexes = [models.Index(fields=["current_org", "status"]), models.Index(fields=["receiving_org", "status"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"{self.source_system}:{self.external_id}"
