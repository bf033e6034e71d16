"""Public calendar pages: the deadline calculator and a year's rest days. No login needed: staff
and the public use the same calculator."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from .choices import Unit
from .forms import DeadlineForm
from .holidays import FIRST_SUPPORTED_YEAR, LAST_SUPPORTED_YEAR
from .selectors import calendar_year_list, calendar_year_overview, deadline_compute

DEFAULT_PERIOD = 15  # the most common petition period (条例 Arts. 22, 23)


@require_GET
def deadline_calculate_view(request: HttpRequest) -> HttpResponse:
    """A plain GET form; with htmx (`HX-Request`) only the result fragment is sent back."""
    today = timezone.localdate()
    bound = any(name in request.GET for name in DeadlineForm.base_fields)
    form = DeadlineForm(
        request.GET if bound else None, initial={"start": today, "period": DEFAULT_PERIOD, "unit": Unit.CALENDAR}
    )
    result = None
    if bound and form.is_valid():
        try:
            result = deadline_compute(
                start=form.cleaned_data["start"], period=form.cleaned_data["period"], unit=form.cleaned_data["unit"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
    context = {
        "form": form,
        "result": result,
        "today": today,
        "days_left": result.days_left(today) if result else None,
        "days_overdue": -result.days_left(today) if result else None,
        "explanation": result.explanation() if result else [],
    }
    # `request.htmx` comes from django_htmx's middleware. A history-restore request (the page left
    # htmx's history cache) needs the whole page, like a request without htmx.
    htmx = getattr(request, "htmx", None)
    fragment = bool(htmx) and not getattr(htmx, "history_restore_request", False)
    template = "workcalendar/_deadline_result.html" if fragment else "workcalendar/deadline.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def calendar_index_view(request: HttpRequest) -> HttpResponse:
    return redirect("workcalendar:year", year=timezone.localdate().year)


@require_GET
def calendar_year_view(request: HttpRequest, year: int) -> HttpResponse:
    """Holidays and make-up working days of one year, and whether the year is provisional."""
    try:
        overview = calendar_year_overview(year=year)
    except ValueError as exc:
        raise Http404 from exc
    context = {
        "overview": overview,
        "years": list(calendar_year_list().values_list("year", flat=True)),
        "previous_year": year - 1 if year > FIRST_SUPPORTED_YEAR else None,
        "next_year": year + 1 if year < LAST_SUPPORTED_YEAR else None,
    }
    return render(request, "workcalendar/year.html", context)
