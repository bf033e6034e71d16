"""Forms of the mediation staff pages: each validates input for one service call."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MediationBody, Mediator
from .states import BodyKind, CaseStatus, JcResult, PartyRole, SourceKind

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


class ListFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部")), ("open", _("办理中")), *CaseStatus.choices],
        widget=forms.Select(attrs=SELECT),
    )
    source_kind = forms.ChoiceField(
        label=_("案件来源"),
        required=False,
        choices=[("", _("全部")), *SourceKind.choices],
        widget=forms.Select(attrs=SELECT),
    )
    due = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[("", _("全部")), ("soon", _("即将到期")), ("overdue", _("已逾期"))],
        widget=forms.Select(attrs=SELECT),
    )
    q = forms.CharField(label=_("关键词"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT))

    def filters(self) -> dict[str, Any]:
        if self.is_bound and self.is_valid():
            return self.cleaned_data
        return {"status": "", "source_kind": "", "due": "", "q": ""}


class DirectoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *BodyKind.choices], widget=forms.Select(attrs=SELECT)
    )
    q = forms.CharField(
        label=_("名称、调解员或擅长领域"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT)
    )


class WalkInForm(forms.Form):
    """A walk-in application (当事人申请) at the counter, phone-sized: the two sides and the dispute."""

    body = forms.ModelChoiceField(
        label=_("调解组织"), queryset=MediationBody.objects.none(), widget=forms.Select(attrs=SELECT)
    )
    category = forms.CharField(label=_("纠纷类型"), required=False, max_length=100, widget=forms.TextInput(attrs=TEXT))
    summary = forms.CharField(
        label=_("纠纷简要情况"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 4})
    )
    applicant_name = forms.CharField(label=_("申请人姓名或名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    applicant_phone = forms.CharField(
        label=_("申请人电话"), required=False, max_length=32, widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"})
    )
    applicant_id_number = forms.CharField(
        label=_("申请人证件号码"), required=False, max_length=32, widget=forms.TextInput(attrs=TEXT)
    )
    applicant_address = forms.CharField(
        label=_("申请人住所"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    respondent_name = forms.CharField(label=_("被申请人姓名或名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    respondent_phone = forms.CharField(
        label=_("被申请人电话"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}),
    )
    respondent_address = forms.CharField(
        label=_("被申请人住所"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT)
    )
    consent_recorded = forms.BooleanField(
        label=_("双方当事人均已表示同意调解（MED-01）"),
        required=False,
        help_text=_("未勾选的，受理后逐一记录各方意愿；一方明确拒绝的，不得调解。"),
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, bodies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if bodies is not None:
            cast(forms.ModelChoiceField, self.fields["body"]).queryset = bodies


class MediatorsForm(forms.Form):
    mediators = forms.ModelMultipleChoiceField(
        label=_("调解员"), required=False, queryset=Mediator.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, mediators: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if mediators is not None:
            cast(forms.ModelMultipleChoiceField, self.fields["mediators"]).queryset = mediators


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class SessionForm(MediatorsForm):
    held_at = forms.DateTimeField(
        label=_("调解时间"),
        widget=forms.DateTimeInput(attrs={**TEXT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(label=_("调解地点"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    notes = forms.CharField(label=_("调解情况"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class AgreeForm(forms.Form):
    facts = forms.CharField(
        label=_("纠纷的主要事实、争议事项及各方责任"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )
    terms = forms.CharField(label=_("协议内容"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    performance = forms.CharField(
        label=_("履行方式和期限"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class FailForm(forms.Form):
    reason = forms.CharField(label=_("调解不成原因"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))
    routes_notice = forms.CharField(
        label=_("告知其他救济途径"),
        required=False,
        max_length=5000,
        help_text=_("留空的，按人民调解法第二十六条告知仲裁、行政、司法等途径（MED-03）。"),
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )


class FulfilmentForm(forms.Form):
    fulfilled = forms.TypedChoiceField(
        label=_("履行情况"),
        choices=[("1", _("已履行")), ("0", _("未履行"))],
        coerce=lambda v: v == "1",
        widget=forms.Select(attrs=SELECT),
    )
    note = forms.CharField(label=_("履行回访情况"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 2}))


class JcApplyForm(forms.Form):
    applied_on = forms.DateField(label=_("申请司法确认日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    court = forms.CharField(label=_("受理法院"), max_length=120, widget=forms.TextInput(attrs=TEXT))


class JcResultForm(forms.Form):
    result = forms.ChoiceField(label=_("司法确认结果"), choices=JcResult.choices, widget=forms.Select(attrs=SELECT))
    result_on = forms.DateField(label=_("结果日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    note = forms.CharField(
        label=_("说明"), required=False, max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 2})
    )


class PartyForm(forms.Form):
    name = forms.CharField(label=_("姓名或名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    role = forms.ChoiceField(label=_("当事人类别"), choices=PartyRole.choices, widget=forms.Select(attrs=SELECT))
    phone = forms.CharField(label=_("电话"), required=False, max_length=32, widget=forms.TextInput(attrs=TEXT))
    consent_recorded = forms.BooleanField(
        label=_("已表示同意调解"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )


class ResultReturnForm(forms.Form):
    """P6: the result sent back to the court or reconsideration body that sent the case."""

    returned_on = forms.DateField(label=_("反馈日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    note = forms.CharField(
        label=_("反馈情况"),
        max_length=5000,
        help_text=_("如函件文号、随附的调解协议书或终止调解的告知。"),
        widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
    )
