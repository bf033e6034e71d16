"""Forms of the risk-assessment pages (the services validate again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.orgs.models import Organisation

from .states import DecisionKind, DecisionStatus, Outcome, RiskLevel, StepKind

TEXTAREA = forms.Textarea(attrs={"rows": 4, "class": "form-control"})
TEXT = forms.TextInput(attrs={"class": "form-control"})
SELECT = forms.Select(attrs={"class": "form-select"})
DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the service checks each by content and size)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"class": "form-control"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class FilterForm(forms.Form):
    year = forms.TypedChoiceField(label=_("年度"), required=False, coerce=int, empty_value=None, widget=SELECT)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部")), *DecisionStatus.choices], widget=SELECT
    )

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [("", _("全部")), *[(y, str(y)) for y in years]]  # type: ignore[attr-defined]


class ListCreateForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("决策机关"), queryset=Organisation.objects.none(), widget=SELECT)
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs={"class": "form-control"})
    )
    title = forms.CharField(
        label=_("名称"), required=False, max_length=120, widget=TEXT, help_text=_("留空则自动生成。")
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["year"].initial = timezone.localdate().year


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("决策事项"), max_length=200, widget=TEXT)
    kind = forms.ChoiceField(label=_("类别"), choices=DecisionKind.choices, widget=SELECT)
    description = forms.CharField(label=_("事项概要"), required=False, max_length=10000, widget=TEXTAREA)
    owner_org = forms.ModelChoiceField(label=_("决策承办单位"), queryset=Organisation.objects.none(), widget=SELECT)
    owner_person = forms.CharField(label=_("责任人"), required=False, max_length=60, widget=TEXT)
    project_code = forms.CharField(label=_("项目编号"), required=False, max_length=40, widget=TEXT)
    place = forms.ModelChoiceField(
        label=_("涉及地点"),
        required=False,
        queryset=Organisation.objects.none(),
        widget=SELECT,
        help_text=_("尽量选到村（社区）或网格：该地点及其下级的信访事项和网格事件计入聚集。"),
    )
    keywords = forms.CharField(
        label=_("关键词"),
        required=False,
        max_length=500,
        widget=TEXT,
        help_text=_("用逗号、顿号或空格分隔，每个 2 至 20 个字；信访事项或网格事件中出现即计入聚集。"),
    )
    planned_date = forms.DateField(label=_("计划决策日期"), required=False, widget=DATE)

    def __init__(self, *args: Any, area: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inside = Organisation.objects.filter(path__startswith=area.path, is_active=True).order_by("path")
        self.fields["owner_org"].queryset = inside  # type: ignore[attr-defined]
        self.fields["place"].queryset = inside.filter(kind__in=["town", "street", "village", "community", "grid"])  # type: ignore[attr-defined]


class StepForm(forms.Form):
    kind = forms.ChoiceField(label=_("评估环节"), choices=StepKind.choices, widget=SELECT)
    date = forms.DateField(label=_("日期"), widget=DATE)
    text = forms.CharField(
        label=_("内容"),
        max_length=10000,
        widget=TEXTAREA,
        help_text=_("做了什么（走访、问卷、座谈、听证、论证……）、听取了谁的意见、发现的风险点及其可能性和影响。"),
    )
    documents = MultipleFileField(label=_("材料"), required=False, help_text=_("PDF、JPEG、PNG 或纯文本，可多选。"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date"].initial = timezone.localdate()


class ConcludeForm(forms.Form):
    level = forms.ChoiceField(
        label=_("风险等级"),
        choices=RiskLevel.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=_(
            "高风险：大部分群众反应特别强烈，可能引发大规模群体性事件；中风险：部分群众反应强烈，可能引发矛盾冲突；低风险：多数群众理解支持（RA-04）。"
        ),
    )
    measures = forms.CharField(label=_("风险防范措施和处置预案"), required=False, max_length=10000, widget=TEXTAREA)
    conclusion = forms.CharField(label=_("评估结论"), max_length=10000, widget=TEXTAREA)


class ReassessForm(forms.Form):
    reason = forms.CharField(label=_("重新评估理由"), max_length=10000, widget=TEXTAREA)


class DecideForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("决策结果"), choices=Outcome.choices, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )
    measures = forms.CharField(
        label=_("决策文件载明的防范措施"),
        required=False,
        max_length=10000,
        widget=TEXTAREA,
        help_text=_("留空则采用评估提出的措施。"),
    )
    note = forms.CharField(label=_("决策说明"), required=False, max_length=10000, widget=TEXTAREA)

    def __init__(self, *args: Any, permitted: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every outcome stays a valid choice: the service refuses what the level does not permit,
        # with the rule; the page shows only the permitted ones.
        self.permitted = permitted


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("处理意见"), max_length=10000, widget=TEXTAREA)
    reassess = forms.BooleanField(
        label=_("重新评估（已评估、尚未决策的事项）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
