"""In-app notifications: the signed-in user's list, the nav badge, mark one or all read (POST with CSRF)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .models import Notification
from .selectors import notification_list, notification_text, notification_unread_count
from .services import notification_mark_all_read, notification_mark_read

PAGE_SIZE = 30


@login_required
@require_GET
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notification_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(note, notification_text(note)) for note in page.object_list]
    unread = notification_unread_count(user=request.user)
    return render(request, "notify/list.html", {"page": page, "rows": rows, "notify_unread": unread})


@login_required
@require_GET
def notification_badge_view(request: HttpRequest) -> HttpResponse:
    """The staff nav's link with its unread count, loaded by htmx after the page: the pages
    themselves spend no query on it."""
    count = notification_unread_count(user=request.user)
    return render(request, "notify/_badge.html", {"notify_unread": count})


@login_required
@require_POST
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notification_mark_read(actor=request.user, notification_id=pk)
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("notify:list")


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    count = notification_mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(count)s 条通知标为已读。") % {"count": count})
    return redirect("notify:list")
