"""Reads for the written instruments: the public authenticity check and the staff download."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from xinfang.accounts.policies import user_can
from xinfang.accounts.roles import Action
from xinfang.petitions.models import Matter

from .models import Document


def document_verify(code: str) -> Document | None:
    """The document with this verification code, or None. Only what the public page shows is
    loaded (no context, no body, no PDF): the check reveals no personal data."""
    code = code.strip().upper()
    if not code:
        return None
    return (
        Document.objects.select_related("organisation")
        .only("number", "kind", "status", "issued_at", "organisation__name", "organisation__name_en")
        .filter(verification_code=code)
        .first()
    )


def documents_visible(user: Any) -> QuerySet[Document]:
    """The documents `user` may read: through a visible matter (so never one about a matter that
    reports on the user, XF-CLS-03), or (no matter) with matter.view over the issuing organisation.
    Both parts go through `restrict()`; the PDF is not loaded. The API and the admin list use it."""
    via_matter = Matter.objects.restrict(user, Action.MATTER_VIEW).values("pk")
    without_matter = Document.objects.restrict(user, Action.MATTER_VIEW).filter(matter__isnull=True).values("pk")
    return Document.objects.filter(Q(matter__in=via_matter) | Q(pk__in=without_matter))


def document_for_download(user: Any, pk: int) -> Document:
    """A document the user may read: through its matter (matter.view), or, without a matter, with
    the issuing organisation in the user's matter.view scope."""
    document = Document.objects.select_related("organisation").filter(pk=pk).first()
    if document is None:
        raise Document.DoesNotExist
    if document.matter_id is not None:
        allowed = Matter.objects.restrict(user, Action.MATTER_VIEW).filter(pk=document.matter_id).exists()
    else:
        allowed = user_can(user, Action.MATTER_VIEW, document.organisation)
    if not allowed:
        raise PermissionDenied(_("您没有权限查看该文书。"))
    return document
