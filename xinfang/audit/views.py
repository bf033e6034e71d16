"""The audit log page for staff holding audit.view."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action

from .forms import AuditEventFilterForm
from .selectors import audit_event_list, organisation_names

PAGE_SIZE = 50


class AuditEventListView(LoginRequiredMixin, View):
    """Events newest first, filtered and paginated; each reader sees the organisations their
    audit.view scope reaches (events of no organisation: system administrators only)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not user_can(request.user, Action.AUDIT_VIEW):
            raise PermissionDenied(_("您没有权限查看审计日志。"))
        form = AuditEventFilterForm(request.GET or None)
        filters = form.filters() if form.is_bound and form.is_valid() else {}
        if form.is_bound and not form.is_valid():
            events = audit_event_list(user=request.user).none()
        else:
            events = audit_event_list(user=request.user, filters=filters)
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        names = organisation_names(user=request.user, ids={e.org_id for e in page if e.org_id is not None})
        for event in page:
            event.org_name = names.get(event.org_id, "") if event.org_id is not None else ""  # type: ignore[attr-defined]
        return render(request, "audit/event_list.html", {"form": form, "page": page, "filtered": bool(filters)})
