"""Admin for Open311 clients: made, changed and given a new key through the services (audited),
for whoever manages users. The key is shown once, in the message after saving; only its digest
is kept. Nothing is deleted: a client is switched off."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.roles import Action
from xinfang.orgs.admin import PolicyAdminMixin

from . import services
from .models import Open311Client


def _show_key(request: HttpRequest, issued: services.IssuedKey) -> None:
    messages.warning(
        request,
        _("客户端“%(name)s”的 API 密钥（只显示这一次，请立即交给应用的维护方）：%(key)s")
        % {"name": issued.client.name, "key": issued.api_key},
    )


@admin.register(Open311Client)
class Open311ClientAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = Action.USER_MANAGE
    manage_action = Action.USER_MANAGE
    list_display = ("name", "organisation", "key_prefix", "requests_per_hour", "is_active", "created_at")
    list_filter = ("is_active",)
    search_fields = ("name", "key_prefix")
    fields = ("name", "organisation", "requests_per_hour", "is_active", "key_prefix", "account", "created_at")
    readonly_fields = ("key_prefix", "account", "created_at")
    autocomplete_fields = ("organisation",)
    actions = ["rotate_key"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Open311Client]:
        return super().get_queryset(request).select_related("organisation", "account")

    def save_model(self, request: HttpRequest, obj: Open311Client, form: Any, change: bool) -> None:
        if not change:
            issued = services.open311_client_create(
                actor=request.user,
                name=obj.name,
                organisation=obj.organisation,
                requests_per_hour=obj.requests_per_hour,
                is_active=obj.is_active,
            )
            obj.pk = issued.client.pk
            obj.refresh_from_db()
            _show_key(request, issued)
            return
        fields = ("name", "organisation", "requests_per_hour", "is_active")
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in fields}
        if changes:
            services.open311_client_update(actor=request.user, client=Open311Client.objects.get(pk=obj.pk), **changes)
        obj.refresh_from_db()

    @admin.action(description=gettext_lazy("生成新的 API 密钥（旧密钥立即失效）"))
    def rotate_key(self, request: HttpRequest, queryset: QuerySet[Open311Client]) -> None:
        for client in queryset:
            _show_key(request, services.open311_client_key_rotate(actor=request.user, client=client))
