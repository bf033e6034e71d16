"""The staff home page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xinfang.accounts.selectors import membership_list_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """What the signed-in person is: their organisations and roles, and where to go next."""
    return render(request, "core/home.html", {"memberships": membership_list_for_user(user=request.user)})
