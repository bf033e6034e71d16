"""Organisation pages: the tree and one organisation's card."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Organisation
from .selectors import organisation_children, organisation_detail, organisation_tree

# The whole district is shown down to towns/streets and their departments; deeper levels open
# from an organisation's own page, so the page stays small however many grids there are.
TREE_MAX_DEPTH = 4


@login_required
def organisation_tree_view(request: HttpRequest) -> HttpResponse:
    nodes = list(organisation_tree(user=request.user, max_depth=TREE_MAX_DEPTH))
    return render(request, "orgs/tree.html", {"nodes": nodes})


@login_required
def organisation_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        org = organisation_detail(user=request.user, pk=pk)
    except Organisation.DoesNotExist as exc:
        raise Http404 from exc
    children = organisation_children(user=request.user, organisation=org)
    return render(request, "orgs/detail.html", {"org": org, "children": children})
