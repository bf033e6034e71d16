"""Views: the staff workbench — the inbox with its tabs, search and filters, the matter page, and
attachment downloads. Reads only; every action links to its own form (intake, triage, routing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from django.views import View

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.transfer.exports import Column, export_format, export_response

from ..filters import MatterFilter
from ..models import Attachment, Matter, Routing
from ..selectors import (
    PAGE_SIZE,
    ClockState,
    ClockWindow,
    Tab,
    attachment_for_download,
    clock_window,
    matter_clock_badges,
    matter_clocks,
    matter_detail,
    matter_inbox_default_tab,
    matter_inbox_tabs,
    matter_links,
    matter_list,
    matter_timeline,
    petitioner_display_name,
    petitioner_names_masked,
)
from ..services.intake import attachment_can_add
from ..services.notices import notice_kinds_for
from ..services.personal_data import mask_phone
from ..states import ParticipantRole, RoutingOutcome, Status
from .handling import handling_panel


def url_or_none(name: str, *args: Any, **kwargs: Any) -> str | None:
    """The URL of a named view, or None while that view does not exist (areas built separately)."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class MatterRow:
    matter: Matter
    petitioners: list[str]
    badge: ClockState | None


def matter_rows(matters: list[Matter], window: ClockWindow) -> list[MatterRow]:
    """What a list row shows: petitioners masked, the most urgent running clock (one query)."""
    badges = matter_clock_badges(matters=matters, window=window)
    return [MatterRow(m, petitioner_names_masked(m), badges.get(m.pk)) for m in matters]


def clock_badge_text(badge: ClockState | None) -> str:
    """The clock badge in words, as the list shows it (for exports)."""
    if badge is None:
        return ""
    if badge.state == "overdue":
        text = ngettext("逾期 %(days)s 天", "逾期 %(days)s 天", badge.days_overdue) % {"days": badge.days_overdue}
    elif badge.days_left == 0:
        text = _("今日到期")
    else:
        text = ngettext("剩 %(days)s 天", "剩 %(days)s 天", badge.days_left) % {"days": badge.days_left}
    return f"{text} · {_('暂定')}" if badge.is_provisional else text


# The inbox as a download (?export=csv|xlsx): the columns of the page, plus place and matter type.
MATTER_EXPORT_COLUMNS = [
    Column(gettext_lazy("编号"), lambda r: r.matter.number, 18),
    Column(gettext_lazy("标题"), lambda r: r.matter.title, 40),
    Column(gettext_lazy("状态"), lambda r: r.matter.get_status_display()),
    Column(gettext_lazy("渠道"), lambda r: r.matter.get_channel_display()),
    Column(gettext_lazy("收到时间"), lambda r: r.matter.received_at, 18),
    Column(gettext_lazy("发生地"), lambda r: r.matter.place_org.local_name if r.matter.place_org else "", 20),
    Column(gettext_lazy("事项类型"), lambda r: r.matter.matter_type.local_name if r.matter.matter_type else "", 20),
    Column(gettext_lazy("当前办理机关"), lambda r: r.matter.current_org.local_name, 20),
    Column(gettext_lazy("信访人"), lambda r: _("匿名") if r.matter.is_anonymous else r.petitioners, 20),
    Column(gettext_lazy("时限"), lambda r: clock_badge_text(r.badge)),
    Column(gettext_lazy("到期日"), lambda r: r.badge.due_date if r.badge else None, 12),
]


class MatterInboxView(LoginRequiredMixin, View):
    """The inbox: tabs with counts (new, to triage, to accept, due soon, overdue, all), filters,
    and the matters of the chosen tab, 25 a page. Users who may view no matter anywhere get 403."""

    search = False

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user_can(user, Action.MATTER_VIEW):
            raise PermissionDenied(_("您没有权限查看信访事项。"))
        window = clock_window()
        tabs = matter_inbox_tabs(user=user, window=window)
        keys = {t.key for t in tabs}
        tab = request.GET.get("tab") or (Tab.ALL if self.search else matter_inbox_default_tab(user=user))
        if tab not in keys:
            tab = Tab.ALL
        base = matter_list(user=user, tab=tab, window=window)
        filterset = MatterFilter(request.GET or None, queryset=base, request=request)
        matters = filterset.qs if not filterset.is_bound or filterset.is_valid() else base.none()
        if fmt := export_format(request):
            return export_response(
                request=request,
                rows=matters.select_related("place_org", "matter_type"),
                columns=MATTER_EXPORT_COLUMNS,
                filename=_("检索信访事项") if self.search else pgettext("file name", "信访事项"),
                fmt=fmt,
                prepare=lambda chunk: matter_rows(chunk, window),
                invalid=filterset.is_bound and not filterset.is_valid(),
            )
        page = Paginator(matters, PAGE_SIZE).get_page(request.GET.get("page"))
        rows = matter_rows(list(page), window)
        context = {
            "tabs": tabs,
            "tab": tab,
            "filter": filterset,
            "page": page,
            "rows": rows,
            "window": window,
            "search": self.search,
            "filtered": filterset.is_bound and filterset.active,
            "register_url": url_or_none("petitions:intake_register")
            if user_can(user, Action.MATTER_REGISTER)
            else None,
        }
        if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "workbench-results":
            response = render(request, "petitions/workbench/_results.html", context)
        else:
            response = render(request, "petitions/workbench/inbox.html", context)
        # The same URL answers with a fragment or a page: caches must keep them apart.
        patch_vary_headers(response, ["HX-Request", "HX-Target"])
        return response


@dataclass(frozen=True)
class PetitionerRow:
    name: str
    kind: str
    role: str
    is_representative: bool
    phone: str
    url: str | None


@dataclass(frozen=True)
class ActionLink:
    label: str
    url: str
    primary: bool = False


def matter_actions(*, user: Any, matter: Matter, routings: list[Routing]) -> list[ActionLink]:
    """The action buttons the user may follow on this matter now. The forms live in the triage and
    routing area; a button appears only when its view exists, the matter is in a state the action
    applies to, and the user holds the action where it is taken: triage at the current
    organisation, acceptance or objection at the recipient, the objection decision at the bureau
    that routed the matter (XF-TRI-01, XF-NOT-03, XF-URG-01)."""
    links: list[ActionLink] = []

    def add(label: str, name: str, pk: int) -> None:
        if url := url_or_none(name, pk=pk):
            links.append(ActionLink(label, url, primary=not links))

    latest = routings[-1] if routings else None
    status = matter.status
    if status == Status.REGISTERED and user_can(user, Action.MATTER_TRIAGE, matter.current_org):
        add(_("分流（三个区分）"), "petitions:triage_matter", matter.pk)
    if (
        status in (Status.FORWARDED, Status.ASSIGNED)
        and latest is not None
        and latest.outcome == RoutingOutcome.PENDING
        and user_can(user, Action.MATTER_HANDLE, latest.to_org)
    ):
        add(_("受理"), "petitions:routing_accept", latest.pk)
        add(_("提出异议"), "petitions:routing_object", latest.pk)
    if (
        status == Status.OBJECTED
        and latest is not None
        and latest.outcome == RoutingOutcome.OBJECTED
        and user_can(user, Action.MATTER_TRIAGE, latest.from_org)
    ):
        add(_("处理异议"), "petitions:routing_decide", latest.pk)
    if notice_kinds_for(user=user, matter=matter):
        add(_("书面告知"), "petitions:notice_give", matter.pk)
    if not matter.is_urgent and user_can(user, Action.MATTER_TRIAGE, matter.current_org):
        add(_("重大紧急上报"), "petitions:triage_urgent", matter.pk)
    if status == Status.REGISTERED and user_can(user, Action.MATTER_TRIAGE, matter.current_org):
        add(_("更正收到时间"), "petitions:triage_correct_received", matter.pk)
    return links


class MatterDetailView(LoginRequiredMixin, View):
    """One matter: header, what was asked, petitioners (masked), the three distinctions, routings,
    notices, links, attachments, clocks and the timeline. 404 unless visible (XF-CLS-03)."""

    def get(self, request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        try:
            matter = matter_detail(user=user, pk=pk)
        except Matter.DoesNotExist as exc:
            raise Http404(_("没有找到该信访事项，或您无权查看。")) from exc
        window = clock_window()
        petitioners = [
            PetitionerRow(
                name=petitioner_display_name(p.petitioner),
                kind=p.petitioner.get_kind_display(),
                role=p.get_role_display(),
                is_representative=p.role == ParticipantRole.REPRESENTATIVE,
                phone=mask_phone(p.petitioner.phone),
                url=url_or_none("petitions:petitioner_detail", pk=p.petitioner_id),
            )
            for p in matter.participants.all()
        ]
        routings = list(matter.routings.all())
        clocks = matter_clocks(matter=matter, window=window)
        context = {
            "matter": matter,
            "petitioners": petitioners,
            "representatives": [p for p in petitioners if p.is_representative],
            "triaged": bool(matter.level_decision or matter.nature or matter.non_acceptance_ground),
            "routings": routings,
            "notices": list(matter.notices.all()),
            "links": matter_links(user=user, matter=matter),
            "attachments": list(matter.attachments.all()),
            "clocks": clocks,
            "handling": handling_panel(user=user, matter=matter, clocks=clocks),
            "timeline": matter_timeline(user=user, matter=matter),
            "actions": matter_actions(user=user, matter=matter, routings=routings),
            "attachment_add_url": url_or_none("petitions:intake_attachment_add", pk=matter.pk)
            if attachment_can_add(actor=user, matter=matter)
            else None,
            "repeats_url": url_or_none("petitions:intake_matter_repeats", pk=matter.pk)
            if any(
                user_can(user, action, org)
                for action in (Action.MATTER_REGISTER, Action.MATTER_TRIAGE)
                for org in (matter.registered_org, matter.current_org)
            )
            else None,
            "window": window,
        }
        return render(request, "petitions/workbench/matter_detail.html", context)


class AttachmentDownloadView(LoginRequiredMixin, View):
    """A matter's attachment as a download, only when the matter is visible to the user."""

    def get(self, request: HttpRequest, pk: int, attachment_pk: int, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            attachment = attachment_for_download(user=request.user, matter_pk=pk, attachment_pk=attachment_pk)
        except Attachment.DoesNotExist as exc:
            raise Http404(_("没有找到该附件，或您无权查看。")) from exc
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404(_("附件文件已不存在。")) from exc
        # Always a download, never rendered inline: uploaded content is not trusted as a page.
        return FileResponse(
            handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
        )


urlpatterns: list[URLPattern] = [
    path("", MatterInboxView.as_view(), name="inbox"),
    path("search/", MatterInboxView.as_view(search=True), name="search"),
    path("<int:pk>/", MatterDetailView.as_view(), name="matter_detail"),
    path("<int:pk>/attachments/<int:attachment_pk>/", AttachmentDownloadView.as_view(), name="attachment_download"),
]
