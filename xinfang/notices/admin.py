"""Admin for the instruments' templates and number patterns. Templates are saved through
`template_save` (a new version each time, placeholders checked, audited); documents are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from xinfang.accounts.roles import Action
from xinfang.orgs.admin import PolicyAdminMixin

from . import services
from .models import Document, DocumentTemplate, NumberSeries
from .rendering import template_validate
from .selectors import documents_visible


class TemplateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DocumentTemplate
        fields = ("kind", "language", "valid_from", "body")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") and data.get("body"):
            try:
                template_validate(data["kind"], data["body"])
            except ValidationError as exc:
                self.add_error("body", exc.message_dict["body"])
        return data


@admin.register(DocumentTemplate)
class DocumentTemplateAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = Action.ORG_VIEW
    manage_action = Action.ORG_MANAGE
    form = TemplateForm
    list_display = ("kind", "language", "version", "valid_from", "created_at")
    list_filter = ("kind", "language")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Saving (also "changing") makes a new version through the service; old versions stay.
        saved = services.template_save(
            actor=request.user,
            kind=obj.kind,
            body=obj.body,
            valid_from=obj.valid_from,
            language=obj.language,
        )
        obj.pk, obj.version, obj.created_at = saved.pk, saved.version, saved.created_at


class NumberSeriesForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = NumberSeries
        fields = ("pattern",)

    def clean_pattern(self) -> str:
        pattern = str(self.cleaned_data["pattern"])
        try:
            services.pattern_validate(pattern)
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["pattern"]) from exc
        return pattern


@admin.register(NumberSeries)
class NumberSeriesAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Only the pattern is editable: the counter moves only when a document is issued."""

    form = NumberSeriesForm
    list_display = ("organisation", "kind", "year", "pattern", "last")
    list_filter = ("kind", "year")
    readonly_fields = ("organisation", "kind", "year", "last")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False


@admin.register(Document)
class DocumentAdmin(PolicyAdminMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    view_action = Action.MATTER_VIEW
    list_display = ("number", "kind", "organisation", "status", "issued_at")
    list_filter = ("kind", "status")
    search_fields = ("number",)
    exclude = ("pdf", "context", "body")

    def get_queryset(self, request: HttpRequest) -> Any:
        # Through the matter when there is one: XF-CLS-03 hides documents about a matter reporting on the user.
        return documents_visible(request.user).select_related("organisation")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
