"""Admin for the complaint and appeal guides (O2): administrators of the reference data edit the
texts in the three languages (powerlist.manage); every save goes through `services.guide_save`
(version counted, audited in the same transaction). Guides are unpublished, never deleted."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.admin import PolicyAdminMixin

from .models import Guide
from .policies import GUIDE_MANAGE, GUIDE_VIEW
from .services import guide_save


class GuideAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    regenerate_hant = forms.BooleanField(
        label=_("用简体中文自动生成繁体中文"),
        required=False,
        help_text=_("勾选后，保存时用 OpenCC 将简体中文的标题、摘要和正文转换为繁体中文，覆盖繁体中文各栏。"),
    )

    class Meta:
        model = Guide
        fields = (
            "slug",
            "sort_order",
            "is_published",
            "title_zh_hans",
            "summary_zh_hans",
            "body_zh_hans",
            "title_zh_hant",
            "summary_zh_hant",
            "body_zh_hant",
            "title_en",
            "summary_en",
            "body_en",
        )


@admin.register(Guide)
class GuideAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = GUIDE_VIEW
    manage_action = GUIDE_MANAGE
    form = GuideAdminForm
    list_display = ("title_zh_hans", "slug", "is_published", "version", "updated_at", "sort_order")
    list_filter = ("is_published",)
    search_fields = ("slug", "title_zh_hans", "title_en")
    readonly_fields = ("version", "updated_at")
    fieldsets = (
        (None, {"fields": ("slug", "sort_order", "is_published", "version", "updated_at")}),
        (_("简体中文"), {"fields": ("title_zh_hans", "summary_zh_hans", "body_zh_hans")}),
        (_("繁体中文"), {"fields": ("regenerate_hant", "title_zh_hant", "summary_zh_hant", "body_zh_hant")}),
        (_("英文"), {"fields": ("title_en", "summary_en", "body_en")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # The slug is the guide's address: fixed once published, so that links keep working.
        return (*self.readonly_fields, "slug") if obj is not None else tuple(self.readonly_fields)

    def save_model(self, request: HttpRequest, obj: Guide, form: Any, change: bool) -> None:
        changed = [name for name in form.changed_data if name != "regenerate_hant"]
        guide_save(
            actor=request.user,
            guide=obj,
            changed=changed,
            regenerate_hant=bool(form.cleaned_data.get("regenerate_hant")),
        )
