"""Admin for webhook endpoints and the delivery log (webhook.manage). Every write goes through the
services (validated, SSRF-checked, audited). The secret is shown once, in a message after the
endpoint is created or its secret rotated, and never in a list or form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import organisation_scope, user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.admin import PolicyAdminMixin
from xinfang.orgs.models import Organisation

from . import services
from .events import event_type_choices
from .models import WebhookDelivery, WebhookEndpoint
from .net import UnsafeUrl, url_check


class WebhookEndpointForm(forms.ModelForm):  # type: ignore[type-arg]
    url = forms.URLField(label=gettext_lazy("接收地址"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("订阅的事件"), choices=event_type_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["organisation", "url", "event_types", "include_subtree", "is_active", "description"]

    def clean_url(self) -> str:
        url = str(self.cleaned_data["url"]).strip()
        try:
            url_check(url)
        except UnsafeUrl as exc:
            raise ValidationError(str(exc)) from exc
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = Action.WEBHOOK_MANAGE
    manage_action = Action.WEBHOOK_MANAGE
    form = WebhookEndpointForm
    list_display = ("url", "organisation", "description", "event_list", "include_subtree", "is_active", "updated_at")
    list_filter = ("is_active", "include_subtree")
    search_fields = ("url", "description", "organisation__name", "organisation__code")
    list_select_related = ("organisation",)
    readonly_fields = ("created_at", "updated_at")
    actions = ["rotate_secret"]
    list_per_page = 50

    @admin.display(description=gettext_lazy("订阅的事件"))
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types or [])

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        return WebhookEndpoint.objects.restrict(request.user, Action.WEBHOOK_MANAGE).select_related("organisation")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "organisation":
            scope = organisation_scope(request.user, Action.WEBHOOK_MANAGE)
            orgs = Organisation.objects.filter(is_active=True)
            kwargs["queryset"] = orgs if scope.everything else orgs.filter(pk__in=scope.organisation_ids())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        data = {name: form.cleaned_data[name] for name in services.ENDPOINT_FIELDS}
        if change:
            changed = {name: data[name] for name in services.ENDPOINT_FIELDS if name in form.changed_data}
            saved = services.webhook_endpoint_update(actor=request.user, endpoint=obj, **changed)
        else:
            saved = services.webhook_endpoint_create(actor=request.user, **data)
            self._show_secret(request, saved)
        obj.pk = saved.pk
        obj.secret = saved.secret

    def _show_secret(self, request: HttpRequest, endpoint: WebhookEndpoint) -> None:
        messages.warning(
            request,
            _("推送地址 %(url)s 的签名密钥（只显示这一次，请立即复制并交给接收方保存）：%(secret)s")
            % {"url": endpoint.url, "secret": endpoint.secret},
        )

    @admin.action(description=gettext_lazy("更换签名密钥"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            try:
                rotated = services.webhook_endpoint_rotate_secret(actor=request.user, endpoint=endpoint)
            except PermissionDenied as exc:
                messages.error(request, str(exc))
                continue
            self._show_secret(request, rotated)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The delivery log, read-only; the "replay" action sends chosen deliveries again."""

    list_display = (
        "id",
        "created_at",
        "event_type",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "replay_of",
    )
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "uuid", "endpoint__url")
    list_select_related = ("endpoint",)
    readonly_fields = (
        "uuid",
        "endpoint",
        "event_type",
        "event_id",
        "organisation_code",
        "occurred_at",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_attempt_at",
        "last_status_code",
        "last_response",
        "last_error",
        "replay_of",
        "created_at",
        "updated_at",
    )
    actions = ["replay"]
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.restrict(request.user, Action.WEBHOOK_MANAGE).select_related("endpoint")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return user_can(request.user, Action.WEBHOOK_MANAGE)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_can(request.user, Action.WEBHOOK_MANAGE)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=gettext_lazy("重新推送所选记录"))
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        done = 0
        for delivery in queryset:
            try:
                services.webhook_delivery_replay(actor=request.user, delivery=delivery)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                messages.error(request, f"#{delivery.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}")
        if done:
            messages.success(request, _("已安排重新推送 %(count)d 条记录。") % {"count": done})
