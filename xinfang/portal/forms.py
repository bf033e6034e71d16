"""The public forms: the petition (who, what happened, what is asked, where, what kind of problem),
the last step (attachments, consent), tracking, evaluation and review request. Every form is
checked again by the service it feeds; these checks only put the messages next to the fields."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.orgs.models import Organisation
from xinfang.petitions.forms_intake import MultipleFileField
from xinfang.petitions.services.handling import satisfaction_scale
from xinfang.petitions.services.intake import attachment_check
from xinfang.petitions.services.personal_data import normalise_id_number, normalise_phone
from xinfang.petitions.states import EvaluationStage, PetitionerKind

from .channels import PROBLEM_KINDS
from .conf import max_attachments
from .selectors import TownPlaces

HONEYPOT = "website"
_ID_NUMBER = re.compile(r"^[0-9A-Z]{6,32}$")
_PHONE = re.compile(r"^\+?\d{7,20}$")


def style(form: forms.Form) -> None:
    """Bootstrap classes on every widget (Django adds aria-invalid and aria-describedby itself)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect | forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs.setdefault("class", css)


class PetitionForm(forms.Form):
    """Steps 1-4 of the guided form; shown again, as hidden fields, on the check step."""

    petitioner_kind = forms.ChoiceField(
        label=gettext_lazy("您以什么身份提出"),
        choices=PetitionerKind.choices,
        initial=PetitionerKind.PERSON,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label=gettext_lazy("姓名或单位名称"), max_length=100)
    id_number = forms.CharField(
        label=gettext_lazy("身份证号码或统一社会信用代码"),
        required=False,
        max_length=32,
        help_text=gettext_lazy("可不填。填写后便于核对您此前反映过的事项。"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=32,
        help_text=gettext_lazy("用于联系您；查询进度时可用后四位核对身份。"),
    )
    address = forms.CharField(
        label=gettext_lazy("联系地址"),
        max_length=200,
        help_text=gettext_lazy("书面告知书会寄送到这个地址（《信访工作条例》第十九条）。"),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"), max_length=120, help_text=gettext_lazy("用一句话概括您的问题。")
    )
    facts = forms.CharField(
        label=gettext_lazy("发生了什么"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy("写明时间、地点、涉及的单位或人员，以及经过。"),
    )
    request = forms.CharField(
        label=gettext_lazy("您的请求"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("您希望有关机关做什么。"),
    )
    reasons = forms.CharField(
        label=gettext_lazy("理由"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("为什么提出这个请求（信访应当载明请求、事实和理由）。"),
    )
    problem_kind = forms.ChoiceField(
        label=gettext_lazy("这是什么样的问题"),
        choices=PROBLEM_KINDS,
        initial="general",
        widget=forms.RadioSelect,
    )
    place = forms.ChoiceField(label=gettext_lazy("发生地（镇街、村居）"), required=False)
    place_text = forms.CharField(
        label=gettext_lazy("详细地点"), required=False, max_length=200, help_text=gettext_lazy("如路名、门牌、小区。")
    )
    # The honeypot: hidden from people (and from screen readers); scripts fill every field.
    website = forms.CharField(
        label=gettext_lazy("请勿填写此项"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    form_token = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args: Any, places: list[TownPlaces], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._places: dict[str, Organisation] = {}
        choices: list[Any] = [("", _("不涉及具体地点或不确定"))]
        for group in places:
            town_name = group.town.local_name
            self._places[str(group.town.pk)] = group.town
            options = [(str(group.town.pk), _("%(town)s（不确定具体村居）") % {"town": town_name})]
            for village in group.villages:
                self._places[str(village.pk)] = village
                options.append((str(village.pk), village.local_name))
            choices.append((town_name, options))
        place_field = self.fields["place"]
        assert isinstance(place_field, forms.ChoiceField)
        place_field.choices = choices
        # portal.js turns the grouped select into two (town, then village) when script runs.
        place_field.widget.attrs.update(
            {"data-portal-place": "", "data-town-label": _("镇街"), "data-village-label": _("村（社区）")}
        )
        style(self)

    def clean_id_number(self) -> str:
        value = normalise_id_number(self.cleaned_data.get("id_number", ""))
        if value and not _ID_NUMBER.match(value):
            raise ValidationError(_("证件号码格式不正确：只能包含数字和字母。"))
        return value

    def clean_phone(self) -> str:
        value = normalise_phone(self.cleaned_data.get("phone", ""))
        if not _PHONE.match(value):
            raise ValidationError(_("请填写正确的电话号码（7至20位数字）。"))
        return value

    def place_org(self) -> Organisation | None:
        return self._places.get(str(self.cleaned_data.get("place") or ""))

    def text(self) -> str:
        """The words the checks read: title, facts, request and reasons."""
        data = self.cleaned_data
        return "\n".join(str(data.get(name, "")) for name in ("title", "facts", "request", "reasons"))


class ConfirmForm(forms.Form):
    """The last step: files and consent to the privacy notice."""

    attachments = MultipleFileField(
        label=gettext_lazy("附件（可选）"),
        required=False,
        help_text=gettext_lazy("可上传 PDF、JPEG 或 PNG 图片、纯文本文件。"),
    )
    consent = forms.BooleanField(
        label=gettext_lazy("我已阅读并同意上述个人信息处理说明"),
        error_messages={"required": gettext_lazy("请阅读并同意个人信息处理说明后再提交。")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style(self)

    def clean_attachments(self) -> list[Any]:
        files = list(self.cleaned_data.get("attachments") or [])
        limit = max_attachments()
        if len(files) > limit:
            raise ValidationError(_("最多上传%(limit)d个附件。") % {"limit": limit})
        messages: list[str] = []
        for upload in files:
            try:
                attachment_check(upload)
            except ValidationError as exc:
                messages.extend(exc.message_dict.get("attachments", exc.messages))
        if messages:
            raise ValidationError(messages)
        return files


class TrackForm(forms.Form):
    public_ref = forms.CharField(
        label=gettext_lazy("查询编号"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    query_code = forms.CharField(
        label=gettext_lazy("查询码"),
        max_length=40,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
    )
    phone_last4 = forms.CharField(
        label=gettext_lazy("联系电话后四位"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, phone_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone_last4"].required = phone_required
        if not phone_required:
            self.fields["phone_last4"].help_text = gettext_lazy("可不填；填写后将一并核对。")
        style(self)


class EvaluationForm(forms.Form):
    stage = forms.ChoiceField(choices=EvaluationStage.choices, widget=forms.HiddenInput)
    value = forms.ChoiceField(label=gettext_lazy("您的评价"), widget=forms.RadioSelect)
    comment = forms.CharField(
        label=gettext_lazy("意见（可选）"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        value_field = self.fields["value"]
        assert isinstance(value_field, forms.ChoiceField)
        value_field.choices = [(value, label) for value, label, _bad in satisfaction_scale()]
        style(self)


class ReviewRequestForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("向哪个机关提出"), coerce=int, widget=forms.RadioSelect)
    request = forms.CharField(
        label=gettext_lazy("请求和理由"), max_length=3000, widget=forms.Textarea(attrs={"rows": 4})
    )
    late_reason = forms.CharField(
        label=gettext_lazy("逾期的正当理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("超过期限提出的，请说明原因（如患病住院、不可抗力）。"),
    )

    def __init__(self, *args: Any, bodies: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        org_field = self.fields["organisation"]
        assert isinstance(org_field, forms.TypedChoiceField)
        org_field.choices = [(body.pk, body.local_name) for body in bodies]
        if len(bodies) == 1:
            org_field.initial = bodies[0].pk
        style(self)
