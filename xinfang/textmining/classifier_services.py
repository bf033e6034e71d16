"""Writes and suggestions of the category classifier (docs/classifier.md).

- `category_suggest`: the suggestion shown to the clerk at triage — the trained model's label or,
  without a model (cold start), the power list's matter-type keywords; mapped to a statistical
  category and a matter type through `LabelMapping`, and to the competent department through the
  power list (imported lazily: textmining imports no workflow app, and works without it).
- `classifier_choice_record`: the clerk's label for a matter, stored for retraining.
- `label_mapping_set` / `label_mapping_delete`: the editable mapping of labels (A3, A4)."""

from __future__ import annotations

import datetime
import importlib
import logging
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xinfang.accounts.policies import require
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation

from . import classifier
from .classifier import KeywordLabel, Prediction
from .models import ClassifierChoice, LabelMapping

logger = logging.getLogger(__name__)

MAX_LABEL = 100
OBJECT_TYPES = frozenset({"petitions.matter"})


@dataclass(frozen=True)
class Department:
    """A competent organisation proposed by the power list for the suggested matter type."""

    organisation: Organisation
    legal_basis: str = ""
    is_lead: bool = True


@dataclass(frozen=True)
class CategorySuggestion:
    """What the triage page shows: the prediction, where its label maps to, and the labels the
    clerk may choose from (the model's label set)."""

    prediction: Prediction | None
    category: str = ""
    matter_type_code: str = ""
    matter_type_name: str = ""
    departments: tuple[Department, ...] = ()
    choices: tuple[str, ...] = ()
    chosen: str = ""
    model_sha256: str = ""

    @property
    def available(self) -> bool:
        return self.prediction is not None


# --- reading the power list without importing it ---------------------------------------------------


def _matter_type_model() -> Any:
    try:
        return apps.get_model("powerlist", "MatterType")
    except LookupError:
        return None


def keyword_labels() -> list[KeywordLabel]:
    """The cold-start label set: active matter types of the power list with their keywords."""
    model = _matter_type_model()
    if model is None:
        return []
    return [
        KeywordLabel(label=mt.code, name=mt.name, keywords=tuple(mt.keyword_list()))
        for mt in model.objects.filter(is_active=True).order_by("sort_order", "code")
    ]


def _departments(matter_type: Any, area: Organisation | None, on_date: datetime.date) -> tuple[Department, ...]:
    if matter_type is None or area is None:
        return ()
    try:
        propose = importlib.import_module("xinfang.powerlist.routing").powerlist_propose
    except (ImportError, AttributeError):
        return ()
    try:
        proposals = propose(matter_type=matter_type, area=area, on_date=on_date)
    except Exception:  # advice only: a failure must not stop triage
        logger.exception("powerlist_propose failed for matter type %s", getattr(matter_type, "pk", None))
        return ()
    return tuple(
        Department(organisation=p.organisation, legal_basis=p.legal_basis, is_lead=p.is_lead) for p in proposals
    )


def mapping_for(label: str, org: Organisation | None) -> LabelMapping | None:
    """The mapping row of `label` kept by `org` or its nearest ancestor (the district usually)."""
    if org is None:
        return None
    chain = [*org.ancestor_ids(), org.pk]
    rows = {m.organisation_id: m for m in LabelMapping.objects.filter(label=label, organisation_id__in=chain)}
    for org_id in reversed(chain):
        if org_id in rows:
            return rows[org_id]
    return None


# --- suggestion --------------------------------------------------------------------------------------


def category_suggest(
    *,
    text: str,
    org: Organisation | None = None,
    area: Organisation | None = None,
    on_date: datetime.date | None = None,
    object_type: str = "",
    object_id: int | None = None,
    model_name: str = classifier.DEFAULT_MODEL_NAME,
) -> CategorySuggestion:
    """The category suggestion for a text (a read: no permission needed beyond the caller's).
    `org` is the organisation that triages (for the mapping), `area` and `on_date` where and when
    the matter arose (for the power list's department). A model file that fails its checks is
    logged and treated as absent: the clerk still gets the cold-start suggestion."""
    try:
        model = classifier.load_if_present(model_name)
    except ValidationError:
        logger.exception("category model %s refused", model_name)
        model = None
    keywords: list[KeywordLabel] = []
    if model is not None:
        prediction: Prediction | None = model.predict(text)
        choices = tuple(model.labels)
    else:
        keywords = keyword_labels()
        prediction = classifier.keyword_predict(text, keywords)
        choices = tuple(k.label for k in keywords)
    chosen = ""
    if object_type and object_id is not None:
        row = ClassifierChoice.objects.filter(object_type=object_type, object_id=object_id).first()
        chosen = row.chosen_label if row else ""
    if prediction is None:
        return CategorySuggestion(prediction=None, choices=choices, chosen=chosen)
    mapping = mapping_for(prediction.label, org)
    code = mapping.matter_type_code if mapping and mapping.matter_type_code else ""
    if not code and model is None:
        code = prediction.label  # cold start: the label is the matter type's code
    matter_type = None
    mt_model = _matter_type_model()
    if code and mt_model is not None:
        matter_type = mt_model.objects.filter(code=code).first()
    return CategorySuggestion(
        prediction=prediction,
        category=mapping.category if mapping else "",
        matter_type_code=code,
        matter_type_name=matter_type.local_name if matter_type is not None else "",
        departments=_departments(matter_type, area, on_date or timezone.localdate()),
        choices=choices,
        chosen=chosen,
        model_sha256=model.sha256 if model is not None else "",
    )


# --- writes --------------------------------------------------------------------------------------------


def _clean_label(value: str, field_name: str) -> str:
    label = (value or "").strip()
    if not label:
        raise ValidationError({field_name: _("请填写分类标签。")}, code="required")
    if len(label) > MAX_LABEL:
        raise ValidationError({field_name: _("不超过 %(max)s 个字。") % {"max": MAX_LABEL}}, code="max_length")
    return label


def classifier_choice_record(
    *,
    actor: Any,
    object_type: str,
    object_id: int,
    organisation: Organisation,
    chosen_label: str,
    suggested_label: str = "",
    confidence: float | None = None,
    model_sha256: str = "",
) -> ClassifierChoice:
    """Store the clerk's label for one object (replacing an earlier choice), with the suggestion it
    answered; needs `matter.triage` at the organisation that triages. Audited."""
    require(actor, Action.MATTER_TRIAGE, organisation)
    if object_type not in OBJECT_TYPES:
        raise ValidationError({"object_type": _("不支持的对象类型。")}, code="invalid")
    label = _clean_label(chosen_label, "chosen_label")
    suggested = (suggested_label or "").strip()[:MAX_LABEL]
    if confidence is not None and not 0 <= confidence <= 1:
        raise ValidationError({"confidence": _("置信度应在0到1之间。")}, code="invalid")
    with transaction.atomic():
        before = ClassifierChoice.objects.filter(object_type=object_type, object_id=object_id).first()
        choice, _created = ClassifierChoice.objects.update_or_create(
            object_type=object_type,
            object_id=object_id,
            defaults={
                "organisation": organisation,
                "chosen_label": label,
                "suggested_label": suggested,
                "confidence": confidence,
                "model_sha256": (model_sha256 or "")[:64],
                "chosen_by": actor if getattr(actor, "pk", None) else None,
                "chosen_at": timezone.now(),
            },
        )
        audit_record(
            actor=actor,
            action="textmining.category_choose",
            object_type=object_type,
            object_id=str(object_id),
            object_label=f"{object_type}:{object_id}",
            org_id=organisation.pk,
            summary={
                "chosen": label,
                "suggested": suggested,
                "agreed": label == suggested,
                "before": before.chosen_label if before else "",
                "model_sha256": choice.model_sha256,
            },
        )
    return choice


def label_mapping_set(
    *, actor: Any, organisation: Organisation, label: str, category: str = "", matter_type_code: str = ""
) -> LabelMapping:
    """Create or change the mapping of one label (needs `powerlist.manage` at the organisation).
    The matter type code must exist in the power list when the power list is installed."""
    require(actor, Action.POWERLIST_MANAGE, organisation)
    label = _clean_label(label, "label")
    category = (category or "").strip()
    code = (matter_type_code or "").strip()
    if len(category) > MAX_LABEL:
        raise ValidationError({"category": _("不超过 %(max)s 个字。") % {"max": MAX_LABEL}}, code="max_length")
    mt_model = _matter_type_model()
    if code and mt_model is not None and not mt_model.objects.filter(code=code).exists():
        raise ValidationError({"matter_type_code": _("权责清单中没有编码为“%(code)s”的事项类型。") % {"code": code}})
    with transaction.atomic():
        before = LabelMapping.objects.filter(organisation=organisation, label=label).first()
        mapping, _created = LabelMapping.objects.update_or_create(
            organisation=organisation, label=label, defaults={"category": category, "matter_type_code": code}
        )
        audit_record(
            actor=actor,
            action="textmining.label_mapping_set",
            target=mapping,
            org_id=organisation.pk,
            summary={
                "label": label,
                "before": {"category": before.category, "matter_type_code": before.matter_type_code}
                if before
                else None,
                "after": {"category": category, "matter_type_code": code},
            },
        )
    return mapping


def label_mapping_delete(*, actor: Any, mapping: LabelMapping) -> None:
    """Remove one mapping row (needs `powerlist.manage` at its organisation). Audited."""
    require(actor, Action.POWERLIST_MANAGE, mapping.organisation)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="textmining.label_mapping_delete",
            object_type="textmining.labelmapping",
            object_id=str(mapping.pk),
            object_label=mapping.label,
            org_id=mapping.organisation_id,
            summary={
                "label": mapping.label,
                "category": mapping.category,
                "matter_type_code": mapping.matter_type_code,
            },
        )
        mapping.delete()


@dataclass
class DecidedData:
    """Texts and labels of decided objects, for retraining (`textmining_train --from-decided`)."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    missing: int = 0


def decided_training_data(
    *, object_type: str = "petitions.matter", sources: dict[str, str] | None = None
) -> DecidedData:
    """The clerks' choices joined with their objects' texts, read through the workflow app's own
    document source (the one of the near-duplicate index, `XINFANG_NEARDUP_SOURCES`): textmining
    stores no text. Choices whose object is gone are counted in `missing`."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    sources = sources or getattr(settings, "XINFANG_NEARDUP_SOURCES", {})
    if object_type not in sources:
        raise ValidationError(_("没有“%(type)s”的文本来源。") % {"type": object_type})
    labels = dict(ClassifierChoice.objects.filter(object_type=object_type).values_list("object_id", "chosen_label"))
    data = DecidedData()
    if not labels:
        return data
    _count, batches = import_string(sources[object_type])()
    seen: set[int] = set()
    for batch in batches:
        for object_id, text, _at in batch:
            if object_id in labels:
                seen.add(object_id)
                data.texts.append(text)
                data.labels.append(labels[object_id])
    data.missing = len(set(labels) - seen)
    return data
