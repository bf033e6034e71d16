"""Forms of the order pages (the services validate again)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation
from xinfang.petitions.forms_intake import MultipleFileField, PlaceChoiceField
from xinfang.petitions.selectors import petitioner_display_name

from .states import ConductKind, LitigationLevel, ResponseKind, WarningKind, WarningStatus

TEXTAREA = forms.Textarea(attrs={"rows": 4, "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M")
NUMBER_SPLIT = re.compile(r"[,，、;；\s]+")


class OrgChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.local_name)


class ConductForm(forms.Form):
    organisation = OrgChoiceField(label=_("记录机关"), queryset=Organisation.objects.none(), widget=SELECT)
    kind = forms.ChoiceField(label=_("行为类型（条例第二十六条）"), choices=ConductKind.choices, widget=SELECT)
    occurred_at = forms.DateTimeField(label=_("发生时间"), widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"])
    place_org = PlaceChoiceField(label=_("发生地"), queryset=Organisation.objects.none(), required=False, widget=SELECT)
    place_text = forms.CharField(label=_("详细地点"), max_length=200, widget=TEXT)
    description = forms.CharField(label=_("经过"), widget=TEXTAREA)
    matter_numbers = forms.CharField(
        label=_("关联信访事项编号"), widget=TEXT, help_text=_("多个编号用逗号或空格分隔。")
    )
    petitioners = forms.MultipleChoiceField(label=_("涉及信访人"), required=False, widget=forms.CheckboxSelectMultiple)
    other_persons = forms.CharField(label=_("其他涉及人员"), required=False, max_length=200, widget=TEXT)
    responses = forms.MultipleChoiceField(
        label=_("处置方式"),
        choices=ResponseKind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("工作人员劝阻、批评或者教育；严重扰乱秩序的移交公安机关依法处置。本系统只作记录，不作出处罚。"),
    )
    response_note = forms.CharField(label=_("劝阻、批评、教育情况"), required=False, widget=TEXTAREA)
    police_unit = forms.CharField(label=_("移交的公安机关"), required=False, max_length=120, widget=TEXT)
    police_handed_at = forms.DateTimeField(
        label=_("移交时间"), required=False, widget=DATETIME, input_formats=["%Y-%m-%dT%H:%M"]
    )
    police_note = forms.CharField(label=_("公安机关处置情况"), required=False, widget=TEXTAREA)
    attachments = MultipleFileField(label=_("证据材料"), required=False, help_text=_("PDF、JPEG、PNG 或纯文本文件。"))

    def __init__(
        self, *args: Any, organisations: Any, places: Any, petitioners: list[Any] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["place_org"].queryset = places  # type: ignore[attr-defined]
        self.fields["petitioners"].choices = [  # type: ignore[attr-defined]
            (p.pk, petitioner_display_name(p)) for p in petitioners or []
        ]
        if not petitioners:
            del self.fields["petitioners"]

    def clean_matter_numbers(self) -> list[str]:
        return [n for n in NUMBER_SPLIT.split(self.cleaned_data["matter_numbers"]) if n]


class EvidenceForm(forms.Form):
    attachments = MultipleFileField(label=_("证据材料"), help_text=_("PDF、JPEG、PNG 或纯文本文件。"))


class ConductFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("行为类型"), required=False, choices=[("", _("全部")), *ConductKind.choices], widget=SELECT
    )


class WarningFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("live", _("待处理和已知悉")), ("", _("全部")), *WarningStatus.choices],
        widget=SELECT,
    )
    kind = forms.ChoiceField(
        label=_("预警类型"), required=False, choices=[("", _("全部")), *WarningKind.choices], widget=SELECT
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("处理情况"), widget=TEXTAREA)


class LevelForm(forms.Form):
    level = forms.ChoiceField(label=_("办理层级"), choices=LitigationLevel.choices, widget=SELECT)
    responsible_org = OrgChoiceField(label=_("责任单位"), queryset=Organisation.objects.none(), widget=SELECT)
    responsible_person = forms.CharField(
        label=_("责任人"), max_length=60, widget=TEXT, help_text=_("领导督办的，填写督办领导。")
    )
    joint_orgs = forms.ModelMultipleChoiceField(
        label=_("联合办理单位"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 6}),
        help_text=_("仅联合办理时选择。"),
    )
    reason = forms.CharField(label=_("理由"), widget=TEXTAREA)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["responsible_org"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["joint_orgs"].queryset = organisations  # type: ignore[attr-defined]
