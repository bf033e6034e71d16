"""Search and filters of the matter list (django-filter). The FilterSet only narrows a queryset that
`selectors.matter_list` has already restricted to what the user may view.

Text search is `icontains` on number, title, request and facts for now; PostgreSQL full-text or
trigram search replaces it when the text-intelligence issue lands."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.orgs.models import Kind, Organisation
from xinfang.powerlist.models import MatterType

from .models import Matter, MatterParticipant
from .services.personal_data import normalise_id_number
from .states import Channel, Nature, Status

ANY = _("全部")


class PlaceChoiceField(forms.ModelChoiceField):
    """Organisations indented by depth, so the tree reads as a tree in a plain select."""

    def label_from_instance(self, obj: Any) -> str:
        return "\u3000" * max(0, obj.depth - 3) + obj.local_name


class PlaceFilter(django_filters.ModelChoiceFilter):
    field_class = PlaceChoiceField


def _place_choices(request: Any) -> QuerySet[Organisation]:
    """Areas and grids of the district (a matter's place is territorial, never a department)."""
    user = getattr(request, "user", None)
    if user is None:
        return Organisation.objects.none()
    return (
        Organisation.objects.restrict(user, Action.ORG_VIEW)
        .filter(is_external=False, is_active=True)
        .exclude(kind=Kind.DEPARTMENT)
        .order_by("path")
    )


def _organisation_choices(request: Any) -> QuerySet[Organisation]:
    """Every organisation of the district the user may see, departments included."""
    user = getattr(request, "user", None)
    if user is None:
        return Organisation.objects.none()
    return Organisation.objects.restrict(user, Action.ORG_VIEW).filter(is_external=False).order_by("path")


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%Y-%m-%d")


class MatterFilterForm(forms.Form):
    """The filter form, styled for Bootstrap, with the date range checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and start > end:
            self.add_error("received_to", _("截止日期不能早于起始日期。"))
        return data


class MatterFilter(django_filters.FilterSet):
    """Text, petitioner, ID number, place, responsible organisation, matter type, status, channel,
    nature, received dates, urgent only; sorted by received time."""

    q = django_filters.CharFilter(label=_("关键词"), method="filter_text", help_text=_("编号、标题、诉求或事实"))
    petitioner = django_filters.CharFilter(label=_("信访人"), method="filter_petitioner")
    id_number = django_filters.CharFilter(label=_("证件号码"), method="filter_id_number", help_text=_("完整号码"))
    place = PlaceFilter(label=_("发生地（含下级）"), queryset=_place_choices, method="filter_place", empty_label=ANY)
    organisation = PlaceFilter(
        label=_("责任单位（含下级）"),
        queryset=_organisation_choices,
        method="filter_responsible",
        empty_label=ANY,
        help_text=_("受理承办的单位；尚未受理的，为当前所在单位"),
    )
    matter_type = django_filters.ModelChoiceFilter(
        label=_("事项类型"), queryset=MatterType.objects.filter(is_active=True), empty_label=ANY
    )
    status = django_filters.ChoiceFilter(label=_("状态"), choices=Status.choices, empty_label=ANY)
    channel = django_filters.ChoiceFilter(label=_("渠道"), choices=Channel.choices, empty_label=ANY)
    nature = django_filters.ChoiceFilter(label=_("性质"), choices=Nature.choices, empty_label=ANY)
    received_from = django_filters.DateFilter(label=_("收到日期自"), method="filter_received_from", widget=DateInput)
    received_to = django_filters.DateFilter(label=_("收到日期至"), method="filter_received_to", widget=DateInput)
    urgent = django_filters.BooleanFilter(label=_("仅重大紧急"), method="filter_urgent", widget=forms.CheckboxInput)
    sort = django_filters.ChoiceFilter(
        label=_("排序"),
        choices=[("-received", _("收到时间（新到旧）")), ("received", _("收到时间（旧到新）"))],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Matter
        fields: list[str] = []
        form = MatterFilterForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        # Searching by ID number is for roles that may see personal data somewhere; the results are
        # still only the matters the user may view, shown masked.
        if user is None or not user_can(user, Action.PERSONAL_DATA_VIEW):
            del self.filters["id_number"]

    @property
    def active(self) -> bool:
        """Whether any filter other than the sort order is set."""
        return any(
            self.data.get(name) not in (None, "") for name in self.filters if name not in {"sort", "tab", "page"}
        )

    def filter_text(self, queryset: QuerySet[Matter], name: str, value: str) -> QuerySet[Matter]:
        condition = Q()
        for word in value.split()[:5]:
            condition &= (
                Q(number__icontains=word)
                | Q(title__icontains=word)
                | Q(request__icontains=word)
                | Q(facts__icontains=word)
            )
        return queryset.filter(condition)

    def filter_petitioner(self, queryset: QuerySet[Matter], name: str, value: str) -> QuerySet[Matter]:
        # A subquery, not a join: a matter with several matching petitioners is listed once.
        matching = MatterParticipant.objects.filter(petitioner__name__icontains=value.strip()).values("matter_id")
        return queryset.filter(pk__in=matching)

    def filter_id_number(self, queryset: QuerySet[Matter], name: str, value: str) -> QuerySet[Matter]:
        # Exact match on the indexed column, normalised as intake stores it (no spaces, upper case).
        number = normalise_id_number(value)
        matching = MatterParticipant.objects.filter(petitioner__id_number=number).values("matter_id")
        return queryset.filter(pk__in=matching)

    def filter_place(self, queryset: QuerySet[Matter], name: str, value: Organisation) -> QuerySet[Matter]:
        return queryset.filter(place_org__path__startswith=value.path)

    def filter_responsible(self, queryset: QuerySet[Matter], name: str, value: Organisation) -> QuerySet[Matter]:
        # The dashboards' responsible organisation (docs/metrics.md): the handling organisation, else
        # the one holding the matter; the organisation and everything under it.
        subtree = Organisation.objects.filter(path__startswith=value.path).values("pk")
        return queryset.filter(Q(handling_org__in=subtree) | Q(handling_org__isnull=True, current_org__in=subtree))

    def filter_received_from(self, queryset: QuerySet[Matter], name: str, value: datetime.date) -> QuerySet[Matter]:
        # Bounds as instants at local midnight (not received_at__date), so the index is used.
        return queryset.filter(received_at__gte=_start_of(value))

    def filter_received_to(self, queryset: QuerySet[Matter], name: str, value: datetime.date) -> QuerySet[Matter]:
        return queryset.filter(received_at__lt=_start_of(value + datetime.timedelta(days=1)))

    def filter_urgent(self, queryset: QuerySet[Matter], name: str, value: bool | None) -> QuerySet[Matter]:
        return queryset.filter(is_urgent=True) if value else queryset

    def filter_sort(self, queryset: QuerySet[Matter], name: str, value: str) -> QuerySet[Matter]:
        if value == "received":
            return queryset.order_by("received_at", "pk")
        return queryset.order_by("-received_at", "-pk")
