"""Power-list pages for staff: the list in force on a day, and one matter type with its history,
decisions and a routing trial. Read-only; administrators edit through the admin."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xinfang.accounts.policies import user_can
from xinfang.core.text import localized_name
from xinfang.transfer.exports import Column, export_format, export_response

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


# The list in force on the day shown, as a download (?export=csv|xlsx).
EXPORT_COLUMNS = [
    Column(gettext_lazy("事项类型"), lambda p: p.matter_type.local_name, 20),
    Column(gettext_lazy("编码"), lambda p: p.matter_type.code),
    Column(gettext_lazy("层级"), lambda p: p.get_level_display(), 10),
    Column(gettext_lazy("牵头"), lambda p: _("牵头") if p.is_lead else _("协同"), 8),
    Column(gettext_lazy("主管机构"), lambda p: p.competent_label, 30),
    Column(gettext_lazy("法定依据"), lambda p: localized_name(p.legal_basis), 50),
    Column(gettext_lazy("生效日期"), lambda p: p.valid_from, 12),
    Column(gettext_lazy("失效日期"), lambda p: p.valid_to, 12),
]


@login_required
def power_list_view(request: HttpRequest) -> HttpResponseBase:
    """The power list in force on a day (default today), filtered by matter type and level, with
    the jurisdiction decisions in force that day."""
    _check_reader(request.user)
    form = PowerListFilterForm(request.GET or None, matter_types=matter_type_list(user=request.user, active_only=False))
    on_date = form.on_date()
    filters = form.filters()
    in_force = power_list_on(user=request.user, on_date=on_date, **filters)
    if fmt := export_format(request):
        return export_response(
            request=request,
            rows=in_force,
            columns=EXPORT_COLUMNS,
            filename=_("权责清单"),
            fmt=fmt,
            invalid=form.is_bound and not form.is_valid(),
        )
    entries = list(in_force)
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
