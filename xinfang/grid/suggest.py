"""Keyword rules that suggest a dispute category for an uncategorised event (issue 7 §2).

Each active category's keywords are matched in the description and place; a keyword scores its
length in characters (a longer phrase is stronger evidence), repeated hits count once. The best
category wins; its score is its share of all the points scored (0..1], so 1.0 means only one
category matched. No match, no suggestion. Where the district has trained a model for grid events
(textmining_train with the categories' codes as labels, saved under the name in
settings.XINFANG_GRID_CATEGORY_MODEL), its prediction comes first; the rules stay as the fallback."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError

from xinfang.textmining import classifier

from .models import DisputeCategory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suggestion:
    category: DisputeCategory
    score: float
    words: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class KeywordRules:
    """The rules read once (one query) and applied to many texts (bulk import uses this too)."""

    rules: list[tuple[DisputeCategory, list[str]]]

    @classmethod
    def load(cls) -> KeywordRules:
        categories = DisputeCategory.objects.filter(is_active=True).order_by("sort", "code")
        return cls([(category, category.keyword_list()) for category in categories])

    def suggest(self, text: str) -> Suggestion | None:
        text = (text or "").lower()
        if not text.strip():
            return None
        scored: list[tuple[int, int, DisputeCategory, list[str]]] = []
        for order, (category, words) in enumerate(self.rules):
            hits = sorted({w for w in words if w and w.lower() in text}, key=lambda w: (-len(w), w))
            if hits:
                scored.append((sum(len(w) for w in hits), -order, category, hits))
        if not scored:
            return None
        total = sum(points for points, *_rest in scored)
        points, _order, category, hits = max(scored, key=lambda item: (item[0], item[1]))
        return Suggestion(category=category, score=round(points / total, 3), words=hits)


def model_suggest(text: str) -> Suggestion | None:
    """The district's trained model's category for a text, when such a model is installed and
    names an active category (its labels are the categories' codes); else None."""
    name = getattr(settings, "XINFANG_GRID_CATEGORY_MODEL", "grid-category")
    try:
        model = classifier.load_if_present(name)
    except ValidationError:  # a file that fails its checks is treated as absent
        logger.exception("grid category model %s refused", name)
        return None
    prediction = model.predict(text) if model is not None and (text or "").strip() else None
    if prediction is None:
        return None
    category = DisputeCategory.objects.filter(code=prediction.label, is_active=True).first()
    if category is None:
        return None
    return Suggestion(category=category, score=round(prediction.confidence, 3), words=list(prediction.words))


def category_suggest(text: str) -> Suggestion | None:
    """The suggested category for one text, or None: the trained model's, else the keyword rules'."""
    return model_suggest(text) or KeywordRules.load().suggest(text)
