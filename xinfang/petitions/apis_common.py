"""What the matters API's action endpoints share (apis.py: intake, triage, routing; apis_handling.py:
handling, review, closure). An action reads the matter through the restricted path (404 when not
visible, XF-CLS-03), locks it, checks If-Match, calls ONE service — the same one the HTML view
calls, which stays the real permission and state check — and answers with the matter as it is
now and its new ETag. Every write through the API moves the matter's `updated_at`, so an ETag read
before any change (whatever record the change wrote) no longer matches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from rest_framework import status as http
from rest_framework.request import Request
from rest_framework.response import Response

from xinfang.core.api.etags import if_match_check, lock, with_etag

from .models import Matter


def matter_write(
    view: Any,
    request: Request,
    perform: Callable[[Matter], Any],
    *,
    status: int = http.HTTP_200_OK,
) -> Response:
    """Run `perform(locked_matter)` for the matter of this URL; answer with the matter's new state.

    `view` is the matters viewset (its `get_object()` is the restricted read, its
    `get_serializer()` the matter's representation)."""
    matter = view.get_object()
    with transaction.atomic():
        locked = lock(Matter, matter.pk)
        if_match_check(request, locked)
        perform(locked)
        Matter.objects.filter(pk=matter.pk).update(updated_at=timezone.now())
    try:
        fresh = view.get_object()
    except Http404:
        # The action moved the matter out of the caller's sight (e.g. forwarded elsewhere): the
        # caller still learns the outcome of what they just did.
        fresh = Matter.objects.get(pk=matter.pk)
    return with_etag(Response(view.get_serializer(fresh).data, status=status), fresh)
