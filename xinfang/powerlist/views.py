"""Power-list pages for staff: the list in force on a day, and one matter type with its history,
decisions and a routing trial. Read-only; administrators edit through the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import user_can

from .forms import PowerListFilterForm, ProposalForm
from .models import MatterType
from .policies import POWERLIST_VIEW
from .selectors import (
    jurisdiction_decisions_on,
    matter_type_detail,
    matter_type_list,
    power_history,
    power_list_on,
    powerlist_propose,
    routing_areas,
)


def _check_reader(user: Any) -> None:
    if not user_can(user, POWERLIST_VIEW):
        raise PermissionDenied(_("您没有权限查看权责清单。"))


@login_required
def power_list_view(request: HttpRequest) -> HttpResponse:
    """The power list in force on a day (default today), filtered by matter type and level, with
    the jurisdiction decisions in force that day."""
    _check_reader(request.user)
    form = PowerListFilterForm(request.GET or None, matter_types=matter_type_list(user=request.user, active_only=False))
    on_date = form.on_date()
    filters = form.filters()
    entries = list(power_list_on(user=request.user, on_date=on_date, **filters))
    decisions = list(
        jurisdiction_decisions_on(user=request.user, on_date=on_date, matter_type=filters.get("matter_type"))
    )
    context = {
        "form": form,
        "entries": entries,
        "decisions": decisions,
        "on_date": on_date,
        "today": timezone.localdate(),
        "filtered": bool(filters) or bool(request.GET.get("on")),
    }
    return render(request, "powerlist/list.html", context)


@login_required
def matter_type_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One matter type: its entries in force on a day, every version ever recorded, the decisions
    on disputes, and what routing proposes for a place."""
    _check_reader(request.user)
    try:
        matter_type = matter_type_detail(user=request.user, pk=pk)
    except MatterType.DoesNotExist as exc:
        raise Http404 from exc
    form = ProposalForm(request.GET or None, areas=routing_areas(user=request.user))
    on_date = form.on_date()
    history = list(power_history(user=request.user, matter_type=matter_type))
    decisions = list(jurisdiction_decisions_on(user=request.user, matter_type=matter_type))
    for power in history:
        power.in_force_on = power.is_in_force(on_date)  # type: ignore[attr-defined]
    for decision in decisions:
        decision.in_force_on = decision.is_in_force(on_date)  # type: ignore[attr-defined]
    proposals = None
    if form.is_bound and form.is_valid() and form.cleaned_data.get("area") is not None:
        proposals = powerlist_propose(
            matter_type=matter_type, area=form.cleaned_data["area"], on_date=on_date, level=form.cleaned_data["level"]
        )
    context = {
        "matter_type": matter_type,
        "form": form,
        "on_date": on_date,
        "today": timezone.localdate(),
        "in_force": [p for p in history if p.in_force_on],  # type: ignore[attr-defined]
        "history": history,
        "decisions": decisions,
        "proposals": proposals,
    }
    return render(request, "powerlist/matter_type.html", context)
