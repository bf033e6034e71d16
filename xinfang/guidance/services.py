"""Writes of the guidance app: saving a guide (create or edit), audited in the same transaction, and
creating the default guides that are missing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from xinfang.accounts.policies import require
from xinfang.audit.services import audit_record
from xinfang.core.actors import SYSTEM
from xinfang.core.text import to_traditional

from .guide_texts import DEFAULT_GUIDES
from .models import Guide
from .policies import GUIDE_MANAGE

# Fields converted from simplified to traditional Chinese on request.
_HANT_FROM_HANS = (
    ("title_zh_hans", "title_zh_hant"),
    ("summary_zh_hans", "summary_zh_hant"),
    ("body_zh_hans", "body_zh_hant"),
)


@transaction.atomic
def guide_save(*, actor: Any, guide: Guide, changed: Iterable[str] = (), regenerate_hant: bool = False) -> Guide:
    """Create or update a guide. The version goes up by one on every saved change; with
    `regenerate_hant` the traditional-Chinese texts are converted again from the simplified ones
    (OpenCC). The audit event records which fields changed and the publication state (the texts
    themselves are public and kept on the row; the log stays small)."""
    require(actor, GUIDE_MANAGE)
    fields = set(changed)
    if regenerate_hant:
        for source, target in _HANT_FROM_HANS:
            converted = to_traditional(getattr(guide, source))
            if converted != getattr(guide, target):
                setattr(guide, target, converted)
                fields.add(target)
    created = guide.pk is None
    before_published = None
    if not created:
        original = Guide.objects.select_for_update().get(pk=guide.pk)
        before_published = original.is_published
        guide.version = original.version + (1 if fields else 0)
    guide.full_clean()
    guide.save()
    summary: dict[str, Any] = {"slug": guide.slug, "version": guide.version, "fields": sorted(fields)}
    if "is_published" in fields or created:
        summary["published"] = {"before": before_published, "after": guide.is_published}
    audit_record(actor=actor, action="guide.create" if created else "guide.update", target=guide, summary=summary)
    return guide


@transaction.atomic
def seed_guides(*, actor: Any = SYSTEM) -> int:
    """Create the default guides (`guide_texts.DEFAULT_GUIDES`) that are missing, published, the
    traditional texts converted by OpenCC; returns how many were created. A guide that exists
    (matched by slug) is left exactly as it is, edited or unpublished by an administrator, so this
    is safe to run at every start (`manage.py guides_seed`, `make run`) and after a test's flush.
    Each guide is created through `guide_save` (audit event `guide.create`)."""
    require(actor, GUIDE_MANAGE)
    existing = set(Guide.objects.filter(slug__in=[d.slug for d in DEFAULT_GUIDES]).values_list("slug", flat=True))
    created = 0
    for default in DEFAULT_GUIDES:
        if default.slug in existing:
            continue
        guide = Guide(
            slug=default.slug,
            sort_order=default.sort_order,
            title_zh_hans=default.title,
            title_en=default.title_en,
            summary_zh_hans=default.summary,
            summary_en=default.summary_en,
            body_zh_hans=default.body,
            body_en=default.body_en,
            is_published=True,
        )
        guide_save(actor=actor, guide=guide, regenerate_hant=True)
        created += 1
    return created
