"""The audit log page for staff holding audit.view."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.transfer.exports import Column, export_format, export_response

from .forms import AuditEventFilterForm
from .models import AuditEvent
from .selectors import audit_event_list, organisation_names

PAGE_SIZE = 50


def with_org_names(user: Any, events: list[AuditEvent]) -> list[AuditEvent]:
    """Events with the names of their organisations (one query; rows hold ids, not keys)."""
    names = organisation_names(user=user, ids={e.org_id for e in events if e.org_id is not None})
    for event in events:
        event.org_name = names.get(event.org_id, "") if event.org_id is not None else ""  # type: ignore[attr-defined]
    return events


def _actor(event: AuditEvent) -> str:
    if event.actor_id is None and event.actor_label == "system":
        return _("系统")
    return event.actor_label


def _summary(event: AuditEvent) -> str:
    return json.dumps(event.summary, ensure_ascii=False, sort_keys=True) if event.summary else ""


# The log as a download (?export=csv|xlsx): what the page shows, details included.
EXPORT_COLUMNS = [
    Column(gettext_lazy("时间"), lambda e: e.created_at, 20),
    Column(gettext_lazy("编号"), lambda e: e.pk, 10),
    Column(gettext_lazy("操作"), lambda e: e.action, 24),
    Column(gettext_lazy("操作人"), _actor),
    Column(gettext_lazy("对象"), lambda e: e.object_label, 30),
    Column(gettext_lazy("对象类型"), lambda e: e.object_type, 20),
    Column(gettext_lazy("对象编号"), lambda e: e.object_id),
    Column(gettext_lazy("所属机构"), lambda e: e.org_name, 20),
    Column(gettext_lazy("变更摘要"), _summary, 40),
    Column(gettext_lazy("请求编号"), lambda e: e.request_id, 20),
]


class AuditEventListView(LoginRequiredMixin, View):
    """Events newest first, filtered and paginated; each reader sees the organisations their
    audit.view scope reaches (events of no organisation: system administrators only)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not user_can(request.user, Action.AUDIT_VIEW):
            raise PermissionDenied(_("您没有权限查看审计日志。"))
        form = AuditEventFilterForm(request.GET or None)
        filters = form.filters() if form.is_bound and form.is_valid() else {}
        if form.is_bound and not form.is_valid():
            events = audit_event_list(user=request.user).none()
        else:
            events = audit_event_list(user=request.user, filters=filters)
        if fmt := export_format(request):
            return export_response(
                request=request,
                rows=events,
                columns=EXPORT_COLUMNS,
                filename=_("审计日志"),
                fmt=fmt,
                prepare=lambda chunk: with_org_names(request.user, chunk),
                invalid=form.is_bound and not form.is_valid(),
            )
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
        with_org_names(request.user, list(page))
        return render(request, "audit/event_list.html", {"form": form, "page": page, "filtered": bool(filters)})
