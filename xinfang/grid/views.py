"""Staff pages of grid events: the phone-first report form, the list (events in my scope with
their due clocks), one event with the actions the user may take now (each a service call), and the
vector map of grids and events. An event the user may not see is a 404; a user without
`grid_event.view` gets 403."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.core.errors import put_errors
from xinfang.core.ids import id_from_text
from xinfang.orgs.models import Kind, Organisation

from . import policies, selectors, services
from .forms import (
    CategoryForm,
    ListFilterForm,
    MediationForm,
    PartyFormSet,
    PetitionForm,
    ReasonForm,
    ReportForm,
    ResultForm,
    VerifyForm,
)
from .mapsvg import STATUS_COLOURS, grid_map
from .models import GridEvent
from .states import TRANSITIONS, EventStatus

PAGE_SIZE = 50
MAP_EVENT_LIMIT = 2000  # the newest events drawn; the table lists the same ones


def _check_viewer(user: Any) -> None:
    if not user_can(user, Action.GRID_EVENT_VIEW):
        raise PermissionDenied(_("您没有权限查看网格事件。"))


def _report_grids(user: Any) -> Any:
    return Organisation.objects.restrict(user, Action.GRID_EVENT_REPORT).filter(kind=Kind.GRID, is_active=True)


@login_required
def event_list_view(request: HttpRequest) -> HttpResponse:
    _check_viewer(request.user)
    categories = selectors.category_choices()
    form = ListFilterForm(request.GET or None, categories=categories)
    filters: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"status": data["status"], "level": data["level"], "category": data["category"], "text": data["q"]}
        if data["overdue"]:
            filters["due_by"] = timezone.localdate() - datetime.timedelta(days=1)
    page = Paginator(selectors.event_list(user=request.user, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    clocks = selectors.event_clocks(items)
    for item in items:
        item.clocks = clocks.get(item.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "grid/event_list.html",
        {"form": form, "page": page, "items": items, "can_report": _report_grids(request.user).exists()},
    )


@login_required
def event_report_view(request: HttpRequest) -> HttpResponse:
    grids = _report_grids(request.user).order_by("path")
    if not grids.exists():
        raise PermissionDenied(_("只有网格员可以上报网格事件。"))
    categories = selectors.category_choices()
    form = ReportForm(request.POST or None, request.FILES or None, grids=grids, categories=categories)
    parties = PartyFormSet(request.POST or None, prefix="parties")
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        data = form.cleaned_data
        entries = [
            services.PartyEntry(name=p["name"], role=p["role"], phone=p["phone"])
            for p in parties.cleaned_data
            if p and (p.get("name") or p.get("phone"))
        ]
        try:
            event = services.grid_event_report(
                actor=request.user,
                grid=data["grid"],
                data=services.GridEventData(
                    place_text=data["place_text"],
                    description=data["description"],
                    category=data["category"],
                    occurred_at=data["occurred_at"],
                    lon=data["lon"],
                    lat=data["lat"],
                    parties=entries,
                    photos=request.FILES.getlist("photos"),
                ),
            )
        except ValidationError as exc:
            put_errors(form, exc)
        else:
            messages.success(request, _("事件已上报，编号 %(number)s。") % {"number": event.number})
            return redirect("grid:detail", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "grid/report.html", {"form": form, "parties": parties}, status=status)


def _event(request: HttpRequest, pk: int) -> GridEvent:
    _check_viewer(request.user)
    try:
        return selectors.event_get(user=request.user, pk=pk)
    except GridEvent.DoesNotExist as exc:
        raise Http404 from exc


def _petition_orgs(user: Any) -> Any:
    return Organisation.objects.restrict(user, Action.MATTER_REGISTER).filter(
        is_active=True, is_external=False, function="petition_bureau"
    )


def _detail(
    request: HttpRequest, event: GridEvent, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user = request.user
    forms = forms or {}
    allowed = TRANSITIONS[event.status]
    can_handle = policies.can_handle(user, event)
    actions = {
        "accept": can_handle and EventStatus.ACCEPTED in allowed and event.status != EventStatus.CONVERTED,
        "handle": can_handle and event.status == EventStatus.ACCEPTED,
        "close": can_handle and event.status == EventStatus.HANDLED,
        "verify": policies.can_verify(user, event) and event.status == EventStatus.CLOSED,
        "escalate": policies.can_escalate(user, event)
        and EventStatus.ESCALATED in allowed
        and event.level != "district",
        "categorise": can_handle
        and event.status in {EventStatus.REPORTED, EventStatus.ACCEPTED, EventStatus.ESCALATED},
        "to_petition": policies.can_refer_to_petition(user, event)
        and EventStatus.CONVERTED in allowed
        and event.matter_id is None,
        "to_mediation": policies.can_refer_to_mediation(user, event) and EventStatus.CONVERTED in allowed,
    }
    clocks = selectors.event_clocks([event], include_stopped=True).get(event.pk, [])
    context = {
        "event": event,
        "actions": actions,
        "clocks": clocks,
        "photos": list(event.photos.all()),
        "history": selectors.event_history(event),
        "result_form": forms.get("handle") or ResultForm(),
        "reason_form": forms.get("escalate") or ReasonForm(),
        "verify_form": forms.get("verify") or VerifyForm(),
        "category_form": forms.get("categorise") or CategoryForm(categories=selectors.category_choices()),
        "petition_form": forms.get("to-petition") or PetitionForm(organisations=_petition_orgs(user)),
        "mediation_form": forms.get("to-mediation") or MediationForm(),
    }
    return render(request, "grid/event_detail.html", context, status=status)


@login_required
def event_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _event(request, pk))


ACTIONS: dict[str, tuple[Any, Callable[[Any, GridEvent, dict[str, Any]], Any]]] = {
    "accept": (None, lambda a, e, d: services.grid_event_accept(actor=a, event=e)),
    "handle": (ResultForm, lambda a, e, d: services.grid_event_handle(actor=a, event=e, result=d["result"])),
    "close": (None, lambda a, e, d: services.grid_event_close(actor=a, event=e)),
    "verify": (VerifyForm, lambda a, e, d: services.grid_event_verify(actor=a, event=e, note=d["note"])),
    "escalate": (ReasonForm, lambda a, e, d: services.grid_event_escalate(actor=a, event=e, reason=d["reason"])),
    "categorise": (
        CategoryForm,
        lambda a, e, d: services.grid_event_categorise(actor=a, event=e, category=d["category"]),
    ),
    "to-petition": (
        PetitionForm,
        lambda a, e, d: services.grid_event_to_petition(actor=a, event=e, organisation=d["organisation"]),
    ),
    "to-mediation": (
        MediationForm,
        lambda a, e, d: services.grid_event_to_mediation(actor=a, event=e, consent_recorded=d["consent_recorded"]),
    ),
}
DONE_MESSAGES = {
    "accept": lambda: _("已受理。"),
    "handle": lambda: _("已记录处置结果。"),
    "close": lambda: _("已办结。"),
    "verify": lambda: _("已核查。"),
    "escalate": lambda: _("已上报上级处置。"),
    "categorise": lambda: _("已设置类别。"),
    "to-petition": lambda: _("已转为信访事项。"),
    "to-mediation": lambda: _("已转为调解案件。"),
}


def _form(action: str, form_class: Any, user: Any, data: Any) -> Any:
    if form_class is None:
        return None
    if form_class is CategoryForm:
        return CategoryForm(data, categories=selectors.category_choices())
    if form_class is PetitionForm:
        return PetitionForm(data, organisations=_petition_orgs(user))
    return form_class(data)


@login_required
@require_POST
def event_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One action on an event: 404 unless the user may see it, then the service (which checks the
    right to act and the state)."""
    if action not in ACTIONS:
        raise Http404
    event = _event(request, pk)
    form_class, call = ACTIONS[action]
    form = _form(action, form_class, request.user, request.POST)
    if form is not None and not form.is_valid():
        return _detail(request, event, {action: form}, status=400)
    try:
        call(request.user, event, form.cleaned_data if form is not None else {})
    except ValidationError as exc:
        fields = set(getattr(exc, "error_dict", {}))
        if form is None or not fields & set(form.fields):
            messages.error(request, " ".join(exc.messages))
            return redirect("grid:detail", pk=pk)
        put_errors(form, exc)
        return _detail(request, event, {action: form}, status=400)
    messages.success(request, DONE_MESSAGES[action]())
    if not selectors.event_visible(request.user).filter(pk=pk).exists():
        return redirect(reverse("grid:list"))  # escalated out of the user's sight
    return redirect(reverse("grid:detail", args=[pk]))


def _map_areas(profiles: list[Any]) -> dict[int, Organisation]:
    """The towns/streets and villages/communities the drawn grids belong to (the map's zoom)."""
    areas: dict[int, Organisation] = {}
    for profile in profiles:
        village = profile.village
        areas[village.pk] = village
        if village.parent is not None:
            areas[village.parent.pk] = village.parent
    return areas


@login_required
def grid_map_view(request: HttpRequest) -> HttpResponse:
    """Every grid in view as a polygon, events as dots coloured by status, a legend, and the same
    content as tables for screen readers."""
    _check_viewer(request.user)
    all_profiles = list(selectors.grid_profiles(request.user).order_by("organisation__path"))
    areas = _map_areas(all_profiles)
    area = areas.get(id_from_text(request.GET.get("area")) or 0)
    profiles = [p for p in all_profiles if area is None or p.organisation.path.startswith(area.path)]
    status = request.GET.get("status", "")
    qs = selectors.event_list(
        user=request.user, status=status if status == "open" or status in EventStatus.values else ""
    )
    if area is not None:
        qs = qs.filter(grid__path__startswith=area.path)
    events = list(qs[:MAP_EVENT_LIMIT])
    drawing = grid_map(profiles, events)
    legend = [(EventStatus(value).label, colour) for value, colour in STATUS_COLOURS.items()]
    return render(
        request,
        "grid/map.html",
        {
            "map": drawing,
            "profiles": profiles,
            "events": events,
            "legend": legend,
            "limit": MAP_EVENT_LIMIT,
            "status": status,
            "status_choices": EventStatus.choices,
            "areas": sorted(areas.values(), key=lambda o: o.path),
            "area": area,
        },
    )
