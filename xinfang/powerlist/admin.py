"""Admin for the power list (reference data). Permissions come from the role matrix (org.view to
read, org.manage to edit), and every save goes through the services, so it is validated,
versioned and audited like any other write. Nothing is deleted: entries and decisions end."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.admin import PolicyAdminMixin

from . import services
from .models import JurisdictionDecision, MatterType, Power
from .policies import POWERLIST_MANAGE, POWERLIST_VIEW


def _add_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's validation errors on the form: next to the field when the form has it,
    above the form otherwise (e.g. the start date of an entry being revised is read-only)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for name, errors in exc.error_dict.items():
        if name in form.errors:
            continue  # the field's own error (e.g. "required") already says it
        form.add_error(name if name in form.fields else None, errors)


class PowerListPolicyMixin(PolicyAdminMixin):
    view_action = POWERLIST_VIEW
    manage_action = POWERLIST_MANAGE


# --- matter types ---------------------------------------------------------------------------


class PowerInline(PowerListPolicyMixin, admin.TabularInline):  # type: ignore[type-arg]
    """The entries of a matter type, read-only here: they are added and revised as entries, so
    each change makes a new version."""

    model = Power
    extra = 0
    fields = ("level", "competent_label", "is_lead", "legal_basis", "valid_from", "valid_to")
    readonly_fields = fields
    show_change_link = True
    ordering = ("level", "-is_lead", "valid_from")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Power]:
        return super().get_queryset(request).select_related("organisation")

    @admin.display(description=_("主管机关"))
    def competent_label(self, obj: Power) -> str:
        return obj.competent_label


@admin.register(MatterType)
class MatterTypeAdmin(PowerListPolicyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "keywords", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name", "name_en", "keywords")
    list_per_page = 50

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        return [PowerInline] if obj is not None else []  # a new matter type has no entries yet

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatterType]:
        return MatterType.objects.restrict(request.user, POWERLIST_VIEW)

    def save_model(self, request: HttpRequest, obj: MatterType, form: Any, change: bool) -> None:
        if not change:
            created = services.matter_type_create(
                actor=request.user,
                code=obj.code,
                name=obj.name,
                name_en=obj.name_en,
                description=obj.description,
                keywords=obj.keywords,
                sort_order=obj.sort_order,
                is_active=obj.is_active,
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in services.MATTER_TYPE_FIELDS}
        if changes:
            services.matter_type_update(actor=request.user, matter_type=MatterType.objects.get(pk=obj.pk), **changes)
        obj.refresh_from_db()

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """The entries inline is read-only: nothing to save (the change message reads these)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


# --- power-list entries ---------------------------------------------------------------------


class PowerAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """An entry; on change, the day the revision takes effect (the version in force ends that day
    and a new one starts, so the list on earlier days stays as it was)."""

    revision_date = forms.DateField(
        label=_("修订生效日期"),
        required=False,
        widget=AdminDateWidget,
        help_text=_("修改已施行的条目时，原版本于该日失效、新版本自该日起施行；留空为今天。"),
    )

    class Meta:
        model = Power
        fields = (
            "matter_type",
            "level",
            "organisation",
            "function",
            "department_keyword",
            "is_lead",
            "legal_basis",
            "valid_from",
            "valid_to",
        )

    def _post_clean(self) -> None:
        # Model validation would repeat (and, for a revision, misjudge) what the services check.
        pass

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instance = self.instance
        try:
            if instance.pk is None:
                services.power_validate(
                    matter_type=data.get("matter_type"),
                    level=data.get("level"),
                    organisation=data.get("organisation"),
                    function=data.get("function") or "",
                    department_keyword=(data.get("department_keyword") or "").strip(),
                    legal_basis=data.get("legal_basis") or "",
                    valid_from=data.get("valid_from"),
                    valid_to=data.get("valid_to"),
                )
            else:
                self._check_end(data)
            if instance.pk is not None and set(self.changed_data) & services.POWER_FIELDS:
                on_date = data.get("revision_date") or timezone.localdate()
                if on_date < timezone.localdate():
                    raise ValidationError(
                        {"revision_date": _("日期不能早于今天：已施行的权责清单不能追溯修改。")}, code="backdated"
                    )
                if instance.valid_to is not None and instance.valid_to <= on_date:
                    raise ValidationError(
                        {"revision_date": _("该条目在修订生效日期前已失效，不能再修订；请新增条目。")}, code="ended"
                    )
                services.power_validate(
                    matter_type=instance.matter_type,
                    level=data.get("level"),
                    organisation=data.get("organisation"),
                    function=data.get("function") or "",
                    department_keyword=(data.get("department_keyword") or "").strip(),
                    legal_basis=data.get("legal_basis") or "",
                    valid_from=max(on_date, instance.valid_from),
                    valid_to=data.get("valid_to"),
                    exclude_pk=instance.pk,
                )
        except ValidationError as exc:
            _add_errors(self, exc)
        return data

    def _check_end(self, data: dict[str, Any]) -> None:
        """Ending an entry (the services re-check under lock)."""
        if "valid_to" not in self.changed_data:
            return
        valid_to: datetime.date | None = data.get("valid_to")
        if valid_to is None:
            raise ValidationError({"valid_to": _("失效日期一经登记不能撤销；请新增条目。")}, code="reopen")
        if valid_to < max(timezone.localdate(), self.instance.valid_from):
            raise ValidationError(
                {"valid_to": _("失效日期不能早于今天或生效日期：已施行的权责清单不能追溯修改。")}, code="backdated"
            )


@admin.register(Power)
class PowerAdmin(PowerListPolicyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = PowerAdminForm
    list_display = ("matter_type", "level", "competent", "is_lead", "valid_from", "valid_to", "in_force")
    list_filter = ("level", "is_lead", "function", "matter_type")
    search_fields = (
        "matter_type__name",
        "matter_type__code",
        "organisation__name",
        "department_keyword",
        "legal_basis",
    )
    list_select_related = ("matter_type", "organisation")
    autocomplete_fields = ("matter_type", "organisation")
    date_hierarchy = "valid_from"
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[Power]:
        return Power.objects.restrict(request.user, POWERLIST_VIEW)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        if obj.valid_to is not None and obj.valid_to <= timezone.localdate():
            return (*PowerAdminForm.Meta.fields, "previous")  # history: nothing left to change
        return ("matter_type", "valid_from", "previous")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(PowerAdminForm.Meta.fields)
        if obj is not None:
            ended = obj.valid_to is not None and obj.valid_to <= timezone.localdate()
            fields += ["previous"] if ended else ["revision_date", "previous"]
        return fields

    @admin.display(description=_("主管机关"))
    def competent(self, obj: Power) -> str:
        return obj.competent_label

    @admin.display(description=_("今日施行"), boolean=True)
    def in_force(self, obj: Power) -> bool:
        return obj.is_in_force(timezone.localdate())

    def save_model(self, request: HttpRequest, obj: Power, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.power_add(
                actor=request.user,
                matter_type=data["matter_type"],
                level=data["level"],
                organisation=data.get("organisation"),
                function=data.get("function") or "",
                department_keyword=data.get("department_keyword") or "",
                is_lead=data.get("is_lead", True),
                legal_basis=data["legal_basis"],
                valid_from=data["valid_from"],
                valid_to=data.get("valid_to"),
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        original = Power.objects.get(pk=obj.pk)
        current = original
        changes = {f: data[f] for f in form.changed_data if f in services.POWER_FIELDS}
        if changes:
            current = services.power_revise(
                actor=request.user, power=original, on_date=data.get("revision_date"), **changes
            )
        if "valid_to" in form.changed_data and data.get("valid_to") is not None:
            current = services.power_end(actor=request.user, power=current, on_date=data["valid_to"])
        obj.pk = current.pk
        obj.refresh_from_db()


# --- jurisdiction decisions -----------------------------------------------------------------


class JurisdictionDecisionAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = JurisdictionDecision
        fields = (
            "matter_type",
            "area",
            "disputing",
            "competent",
            "decided_by",
            "decision_ref",
            "reason",
            "decided_on",
            "valid_to",
        )

    def _post_clean(self) -> None:
        pass

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                services.jurisdiction_decision_validate(
                    matter_type=data.get("matter_type"),
                    area=data.get("area"),
                    disputing=list(data.get("disputing") or []),
                    competent=data.get("competent"),
                    decided_by=data.get("decided_by"),
                    decision_ref=data.get("decision_ref") or "",
                    reason=data.get("reason") or "",
                    decided_on=data.get("decided_on"),
                )
            elif "valid_to" in self.changed_data:
                valid_to: datetime.date | None = data.get("valid_to")
                if valid_to is None:
                    raise ValidationError({"valid_to": _("失效日期一经登记不能撤销。")}, code="reopen")
                if valid_to < timezone.localdate():
                    raise ValidationError(
                        {"valid_to": _("日期不能早于今天：已施行的权责清单不能追溯修改。")}, code="backdated"
                    )
        except ValidationError as exc:
            _add_errors(self, exc)
        return data


@admin.register(JurisdictionDecision)
class JurisdictionDecisionAdmin(PowerListPolicyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = JurisdictionDecisionAdminForm
    list_display = (
        "matter_type",
        "area",
        "competent",
        "decided_by",
        "decided_as",
        "decision_ref",
        "decided_on",
        "valid_to",
    )
    list_filter = ("decided_as", "matter_type")
    search_fields = ("decision_ref", "matter_type__name", "competent__name", "decided_by__name")
    list_select_related = ("matter_type", "area", "competent", "decided_by")
    autocomplete_fields = ("matter_type", "area", "disputing", "competent", "decided_by")
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[JurisdictionDecision]:
        return JurisdictionDecision.objects.restrict(request.user, POWERLIST_VIEW)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (*(f for f in JurisdictionDecisionAdminForm.Meta.fields if f != "valid_to"), "decided_as")

    def save_model(self, request: HttpRequest, obj: JurisdictionDecision, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if not change:
            created = services.jurisdiction_dispute_decide(
                actor=request.user,
                matter_type=data["matter_type"],
                area=data["area"],
                disputing=list(data["disputing"]),
                competent=data["competent"],
                decided_by=data["decided_by"],
                decision_ref=data["decision_ref"],
                reason=data["reason"],
                decided_on=data["decided_on"],
            )
            obj.pk = created.pk
            obj.refresh_from_db()
            return
        if "valid_to" in form.changed_data and data.get("valid_to") is not None:
            services.jurisdiction_decision_end(
                actor=request.user, decision=JurisdictionDecision.objects.get(pk=obj.pk), on_date=data["valid_to"]
            )
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The parties are set by the service (and never changed afterwards)."""
