"""`seed_guides` and `manage.py guides_seed` (O2): the default complaint and appeal guides that are
missing are created through `guide_save` (audited, traditional text by OpenCC); a second run
creates nothing; a guide an administrator has edited or unpublished is never overwritten."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.core.actors import SYSTEM
from xinfang.core.testing import make_user
from xinfang.core.text import to_traditional
from xinfang.guidance.guide_texts import DEFAULT_GUIDES
from xinfang.guidance.models import Guide
from xinfang.guidance.services import guide_save, seed_guides

pytestmark = pytest.mark.django_db

SLUGS = {d.slug for d in DEFAULT_GUIDES}


@pytest.fixture
def flushed(db):
    """No guides, as after a transactional test's flush (the migration's rows are gone)."""
    Guide.objects.all().delete()


class SeedGuidesTests:
    def test_o2_creates_the_missing_guides_published_in_three_languages(self, flushed):
        assert seed_guides() == len(DEFAULT_GUIDES) == 2
        guides = {g.slug: g for g in Guide.objects.all()}
        assert set(guides) == SLUGS
        for default in DEFAULT_GUIDES:
            guide = guides[default.slug]
            assert guide.is_published and guide.version == 1 and guide.sort_order == default.sort_order
            assert (guide.title_zh_hans, guide.title_en, guide.body_en) == (
                default.title,
                default.title_en,
                default.body_en,
            )
            assert guide.title_zh_hant == to_traditional(default.title)
            assert guide.body_zh_hant == to_traditional(default.body)

    def test_o2_audit_event_for_each_guide_created(self, flushed):
        seed_guides()
        events = AuditEvent.objects.filter(action="guide.create").order_by("id")
        assert [e.summary["slug"] for e in events] == [d.slug for d in DEFAULT_GUIDES]
        assert all(e.actor_label == "system" for e in events)

    def test_o2_idempotent(self, flushed):
        seed_guides()
        events = AuditEvent.objects.count()
        assert seed_guides() == 0
        assert Guide.objects.count() == 2 and AuditEvent.objects.count() == events

    def test_o2_never_overwrites_an_administrators_edit(self, flushed):
        seed_guides()
        court, procuratorate = (Guide.objects.get(slug=s) for s in ("court-petitions", "procuratorate-complaints"))
        court.title_zh_hans = "法院涉诉信访指南（本区版）"
        guide_save(actor=SYSTEM, guide=court, changed=["title_zh_hans"])
        procuratorate.is_published = False
        guide_save(actor=SYSTEM, guide=procuratorate, changed=["is_published"])
        assert seed_guides() == 0
        court.refresh_from_db()
        procuratorate.refresh_from_db()
        assert (court.title_zh_hans, court.version) == ("法院涉诉信访指南（本区版）", 2)
        assert not procuratorate.is_published  # left unpublished

    def test_o2_only_the_missing_one_is_created(self, db):
        # The migration's two guides are there; one is gone (say, a database restored in part).
        Guide.objects.filter(slug="court-petitions").delete()
        kept = Guide.objects.get(slug="procuratorate-complaints")
        assert seed_guides() == 1
        assert Guide.objects.get(slug="procuratorate-complaints").updated_at == kept.updated_at
        assert AuditEvent.objects.filter(action="guide.create").get().summary["slug"] == "court-petitions"

    def test_only_administrators_of_the_guides_may_seed(self, mini, flushed):
        clerk = make_user((Role.RECEPTION_CLERK, mini.petition_bureau))
        with pytest.raises(PermissionDenied):
            seed_guides(actor=clerk)
        assert not Guide.objects.exists()


class GuidesSeedCommandTests:
    def test_o2_command_creates_then_reports_nothing_to_do(self, flushed):
        out = StringIO()
        call_command("guides_seed", stdout=out)
        assert Guide.objects.filter(slug__in=SLUGS).count() == 2
        assert "2" in out.getvalue()
        out = StringIO()
        call_command("guides_seed", stdout=out)
        assert out.getvalue().strip() == "投诉申诉指南齐全，无需创建。"
