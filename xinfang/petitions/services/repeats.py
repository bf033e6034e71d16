"""Repeat and duplicate detection at registration (A2; XF-REG-04, XF-REV-06), and the clerk's
decision on a proposal (`matter_link`).

The matcher proposes earlier matters (a) of the same petitioner — same ID number, same phone, same
name and address, or the same petitioner record — and (b) with similar text (title + request +
facts, compared as character strings with rapidfuzz: Chinese needs no word splitting), within the
last `XINFANG_REPEAT_WINDOW_MONTHS` months. It only proposes; the clerk decides, with a reason.

How a proposal is labelled (our reading of the rules, documented in docs/rules.md):

- **pending_higher** (XF-REG-04, 条例 Art. 19(3)): "信访事项已经受理或者正在办理的，信访人在规定期限内
  向受理、办理机关的上级机关再提出同一信访事项的，上级机关不予受理". The *earlier* matter is held by an
  organisation of a LOWER level than the one registering now (inside the registering
  organisation's area), and is not closed: the petitioner has gone up a level with a matter that is
  still pending below. If it is the same matter, the new one is not accepted (ground
  `pending_higher`). The label's name says where the new petition went (to a higher level), not
  where the earlier matter is.
- **in_progress_here**: the earlier matter is open and held at this level (the registering
  organisation, or another organisation of the same level in the same area, e.g. the department it
  was forwarded to). If it is the same matter, the new one is merged into it (status MERGED): linked,
  not registered twice.
- **after_re_review** (XF-REV-06, Art. 36(3)): the earlier matter is final after re-review; the same
  facts and reasons are not accepted again (ground `after_re_review`). A matter is final when its
  status is in `FINAL_STATUSES` (`Status.FINAL`, set by the re-review opinion).
- otherwise the proposal only carries its basis (**same_petitioner** / **similar_text**): closed,
  not accepted, or held at a higher level or elsewhere. The clerk may still link it as related.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rapidfuzz import fuzz, process

from xinfang.accounts.policies import require, user_can
from xinfang.accounts.roles import Action
from xinfang.audit.services import audit_record
from xinfang.orgs.models import Organisation
from xinfang.orgs.selectors import organisation_area
from xinfang.textmining.minhash import normalise_text, params_from_settings
from xinfang.textmining.selectors import neardup_candidates
from xinfang.workcalendar.selectors import clock_get
from xinfang.workcalendar.services import clock_stop

from ..models import Matter, MatterLink, MatterParticipant
from ..states import CLOCK_TRIAGE, LinkKind, NonAcceptanceGround, Status
from .common import OBJECT_TYPE, matter_transition
from .personal_data import normalise_id_number, normalise_phone

if TYPE_CHECKING:
    from .intake import MatterData

K = TypeVar("K")

# --- Settings (with defaults, so that a deployment may tune them) -------------------------------

DEFAULT_WINDOW_MONTHS = 24  # similar text is looked for among matters received in the last N months
DEFAULT_TEXT_MIN_SCORE = 70.0  # 0-100; measured on real messages (bench/petitions_repeats.py)
DEFAULT_LIMIT = 10
PETITIONER_MATCH_LIMIT = 50  # at most this many matters of the same petitioner are considered
SHORTLIST = 30  # per prefilter pass (title, beginning, end) before the finer score
WINDOW = 64  # characters compared by the beginning and end passes (one machine word: fast)
PREFILTER_TEXT_SCORE = 40.0
PREFILTER_TITLE_SCORE = 50.0
MIN_TEXT_CHARS = 8  # shorter texts are not compared (everything looks alike)


def window_months() -> int:
    return int(getattr(settings, "XINFANG_REPEAT_WINDOW_MONTHS", DEFAULT_WINDOW_MONTHS))


def text_min_score() -> float:
    return float(getattr(settings, "XINFANG_REPEAT_TEXT_MIN_SCORE", DEFAULT_TEXT_MIN_SCORE))


# --- The text matcher (pure functions, no database) ---------------------------------------------


def similar_texts(
    *,
    title: str,
    text: str,
    corpus: Sequence[tuple[K, str, str]],
    min_score: float,
    limit: int = DEFAULT_LIMIT,
) -> list[tuple[K, float]]:
    """Keys of the corpus entries similar to (title, text), best first, with scores 0-100.

    `corpus` holds (key, normalised title, normalised text); `title` and `text` are normalised too.
    Cheap passes pick a shortlist — rapidfuzz's edit-distance ratio on the titles, on the first and
    on the last `WINDOW` characters (a window that fits one machine word is compared bit-parallel,
    so a pass over thousands of matters takes a millisecond or two) — and the final score is
    rapidfuzz's WRatio over the whole text, which also catches a text contained in a longer one
    (partial ratio, discounted). A repeat whose title, beginning and end all differ is missed: the
    text-intelligence issue adds an index (MinHash/LSH) over the whole text: `repeat_candidates`
    passes only the matters it proposes (`_text_candidates`) to this function."""
    if len(text) < MIN_TEXT_CHARS or not corpus:
        return []
    texts = [entry[2] for entry in corpus]
    passes = [
        (text[:WINDOW], [t[:WINDOW] for t in texts], PREFILTER_TEXT_SCORE),
        (text[-WINDOW:], [t[-WINDOW:] for t in texts], PREFILTER_TEXT_SCORE),
    ]
    if title:
        passes.append((title, [entry[1] for entry in corpus], PREFILTER_TITLE_SCORE))
    shortlist: set[int] = set()
    for query, choices, cutoff in passes:
        for _choice, _score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=SHORTLIST, score_cutoff=cutoff
        ):
            shortlist.add(index)
    scored = []
    for index in shortlist:
        score = fuzz.WRatio(text, texts[index], score_cutoff=min_score)
        if score:
            scored.append((corpus[index][0], round(float(score), 1)))
    scored.sort(key=lambda item: -item[1])
    return scored[:limit]


# --- Labels -------------------------------------------------------------------------------------

# XF-REV-06: final after re-review (Status.FINAL).
FINAL_STATUSES: frozenset[str] = frozenset({str(Status.FINAL)})
# Statuses in which a matter is no longer pending (not accepted, merged into another, guided to the
# empowered organ, or final). A status added later counts as pending until listed here: the safe
# side, since the clerk decides anyway.
CLOSED_STATUSES: frozenset[str] = (
    frozenset(
        str(s)
        for s in (
            Status.NOT_ACCEPTED,
            Status.MERGED,
            Status.GUIDED,
            Status.ROUTED,
            Status.CONCLUDED,
            Status.TERMINATED,
            Status.WITHDRAWN,
        )
    )
    | FINAL_STATUSES
)

# What a "same matter" decision does, per label (the other labels only link).
DECISIVE_KINDS = frozenset({LinkKind.PENDING_HIGHER, LinkKind.IN_PROGRESS_HERE, LinkKind.AFTER_RE_REVIEW})
PLAIN_KINDS = frozenset({LinkKind.SAME_PETITIONER, LinkKind.SIMILAR_TEXT, LinkKind.HOTLINE_ORDER})

LABEL_EXPLANATIONS = {
    LinkKind.PENDING_HIGHER: gettext_lazy(
        "下级机关已受理或正在办理：同一事项又向上级机关提出的，不予受理（《信访工作条例》第十九条第三款，XF-REG-04）"
    ),
    LinkKind.IN_PROGRESS_HERE: gettext_lazy("本级正在办理：同一事项应并入该事项，不重复登记"),
    LinkKind.AFTER_RE_REVIEW: gettext_lazy(
        "已复核终结：以同一事实和理由再次提出的，不再受理（《信访工作条例》第三十六条第三款，XF-REV-06）"
    ),
    LinkKind.SAME_PETITIONER: gettext_lazy("同一信访人的其他事项"),
    LinkKind.SIMILAR_TEXT: gettext_lazy("内容相似的其他事项"),
    LinkKind.HOTLINE_ORDER: gettext_lazy("12345工单"),
}
DECISION_LABELS = {
    LinkKind.PENDING_HIGHER: gettext_lazy("是同一事项：不予受理（下级正在办理）"),
    LinkKind.IN_PROGRESS_HERE: gettext_lazy("是同一事项：并入该事项"),
    LinkKind.AFTER_RE_REVIEW: gettext_lazy("是同一事项：不再受理（已复核终结）"),
    LinkKind.SAME_PETITIONER: gettext_lazy("相关事项：仅作关联"),
    LinkKind.SIMILAR_TEXT: gettext_lazy("相关事项：仅作关联"),
    LinkKind.HOTLINE_ORDER: gettext_lazy("关联12345工单"),
}


def candidate_label(
    *,
    other: Matter,
    here: Organisation,
    here_area: Organisation | None = None,
    final_statuses: frozenset[str] = FINAL_STATUSES,
) -> str:
    """The legal label of an earlier matter seen from `here` (the organisation registering the new
    one): a LinkKind among pending_higher / in_progress_here / after_re_review, or "" when the
    earlier matter has none (closed, or held at a higher level or elsewhere). See the module
    docstring for the reading of XF-REG-04."""
    if other.status in final_statuses:
        return LinkKind.AFTER_RE_REVIEW
    if other.status in CLOSED_STATUSES:
        return ""
    area = here_area or organisation_area(here)
    holder = other.current_org
    if not holder.path.startswith(area.path):
        return ""
    if holder.level > here.level:  # a larger number is a lower level (district 3 > town 4 …)
        return LinkKind.PENDING_HIGHER
    if holder.level == here.level:
        return LinkKind.IN_PROGRESS_HERE
    return ""


@dataclass
class Candidate:
    """An earlier matter proposed at registration, with why (basis) and what it means (label)."""

    matter: Matter
    label: str  # LinkKind: pending_higher / in_progress_here / after_re_review, or the basis kind
    basis: tuple[str, ...] = ()  # "petitioner", "id_number", "phone", "name_address", "hotline_order_ref", "text"
    score: float = 0.0  # text similarity 0-100
    relevance: float = field(default=0.0, repr=False)

    @property
    def same_petitioner(self) -> bool:
        return bool({"petitioner", "id_number", "phone", "name_address"} & set(self.basis))

    @property
    def is_decisive(self) -> bool:
        """XF-REG-04 / XF-REV-06 / same-level duplicate: a "same matter" decision changes status."""
        return self.label in DECISIVE_KINDS

    @property
    def related_kind(self) -> str:
        """The kind of a plain link to this candidate ("related, not the same matter")."""
        return LinkKind.SAME_PETITIONER if self.same_petitioner else LinkKind.SIMILAR_TEXT

    @property
    def explanation(self) -> str:
        return str(LABEL_EXPLANATIONS[LinkKind(self.label)])

    def choices(self) -> list[tuple[str, str, str]]:
        """(form value "<pk>:<kind>", kind, label) of the decisions the clerk may take on it."""
        kinds = [self.label] if self.is_decisive else []
        kinds.append(self.related_kind)
        return [(f"{self.matter.pk}:{kind}", kind, str(DECISION_LABELS[LinkKind(kind)])) for kind in kinds]


@dataclass
class _Probe:
    """What is compared: the petitioners' identifiers and the text."""

    petitioner_ids: set[int] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    names_addresses: set[tuple[str, str]] = field(default_factory=set)
    hotline_order_ref: str = ""
    title: str = ""
    text: str = ""


def _probe_from_data(data: MatterData) -> _Probe:
    probe = _Probe(hotline_order_ref=(data.hotline_order_ref or "").strip())
    for entry in data.petitioners:
        person: Any = entry.existing or entry
        if entry.existing is not None:
            probe.petitioner_ids.add(entry.existing.pk)
        _add_person(probe, person.name, person.address, person.id_number, person.phone)
    probe.title = normalise_text(data.title)
    probe.text = normalise_text(" ".join([data.title, data.request, data.facts]))
    return probe


def _probe_from_matter(matter: Matter) -> _Probe:
    probe = _Probe(hotline_order_ref=matter.hotline_order_ref)
    for participant in matter.participants.select_related("petitioner"):
        person = participant.petitioner
        probe.petitioner_ids.add(person.pk)
        _add_person(probe, person.name, person.address, person.id_number, person.phone)
    probe.title = normalise_text(matter.title)
    probe.text = normalise_text(" ".join([matter.title, matter.request, matter.facts]))
    return probe


def _add_person(probe: _Probe, name: str, address: str, id_number: str, phone: str) -> None:
    if normalise_id_number(id_number):
        probe.id_numbers.add(normalise_id_number(id_number))
    if len(normalise_phone(phone)) >= 7:
        probe.phones.add(normalise_phone(phone))
    if name.strip() and address.strip():  # a name alone is too common to mean "the same person"
        probe.names_addresses.add((name.strip(), address.strip()))


def _months_ago(now: datetime.datetime, months: int) -> datetime.datetime:
    """The same local day `months` earlier (clamped to the month's last day)."""
    local = timezone.localtime(now)
    month_index = local.year * 12 + local.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in (local.day, 30, 29, 28):
        try:
            return local.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _petitioner_matches(probe: _Probe, visible: Any) -> dict[int, set[str]]:
    """matter id -> basis of the petitioner match, for visible matters."""
    condition = Q()
    if probe.petitioner_ids:
        condition |= Q(petitioner_id__in=probe.petitioner_ids)
    if probe.id_numbers:
        condition |= Q(petitioner__id_number__in=probe.id_numbers)
    if probe.phones:
        condition |= Q(petitioner__phone__in=probe.phones)
    for name, address in probe.names_addresses:
        condition |= Q(petitioner__name=name, petitioner__address=address)
    if not condition:
        return {}
    rows = (
        MatterParticipant.objects.filter(condition, matter__in=visible.values("pk"))
        .order_by("-matter__received_at")
        .values_list(
            "matter_id",
            "petitioner_id",
            "petitioner__id_number",
            "petitioner__phone",
            "petitioner__name",
            "petitioner__address",
        )[: PETITIONER_MATCH_LIMIT * 3]
    )
    found: dict[int, set[str]] = {}
    for matter_id, petitioner_id, id_number, phone, name, address in rows:
        basis = found.setdefault(matter_id, set())
        if petitioner_id in probe.petitioner_ids:
            basis.add("petitioner")
        if id_number and id_number in probe.id_numbers:
            basis.add("id_number")
        if phone and phone in probe.phones:
            basis.add("phone")
        if (name, address) in probe.names_addresses:
            basis.add("name_address")
        if len(found) >= PETITIONER_MATCH_LIMIT:
            break
    return found


def repeat_candidates(
    *,
    user: Any,
    data: MatterData | None = None,
    matter: Matter | None = None,
    organisation: Organisation | None = None,
    months: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[Candidate]:
    """Earlier matters the user may view that may be the same as a new one (`data`, registered at
    `organisation`) or as a registered `matter` (seen from its registering organisation): same
    petitioner, same 12345 order, or similar text in the last `months` months. Best first, each
    labelled (see the module docstring). Merged matters are left out (their target is proposed)."""
    if (data is None) == (matter is None):
        raise TypeError("pass exactly one of data= or matter=")
    if matter is not None:
        probe = _probe_from_matter(matter)
        here = organisation or matter.registered_org
    else:
        assert data is not None
        probe = _probe_from_data(data)
        if organisation is None:
            raise TypeError("organisation= is needed with data=")
        here = organisation
    visible = Matter.objects.restrict(user, Action.MATTER_VIEW).exclude(status=Status.MERGED)
    if matter is not None:
        already = MatterLink.objects.filter(matter=matter).values("other_id")
        visible = visible.exclude(pk=matter.pk).exclude(pk__in=already).filter(registered_at__lt=matter.registered_at)

    bases: dict[int, set[str]] = _petitioner_matches(probe, visible)
    if probe.hotline_order_ref:
        for pk in visible.filter(hotline_order_ref=probe.hotline_order_ref).values_list("pk", flat=True)[:10]:
            bases.setdefault(pk, set()).add("hotline_order_ref")

    scores: dict[int, float] = {}
    min_score = text_min_score()
    if len(probe.text) >= MIN_TEXT_CHARS:
        since = _months_ago(timezone.now(), window_months() if months is None else months)
        corpus = _text_corpus(_text_candidates(probe.text, visible.filter(received_at__gte=since), since))
        for pk, score in similar_texts(
            title=probe.title, text=probe.text, corpus=corpus, min_score=min_score, limit=limit * 2
        ):
            scores[pk] = score
            bases.setdefault(pk, set()).add("text")

    if not bases:
        return []
    matters = {m.pk: m for m in Matter.objects.filter(pk__in=bases).select_related("current_org", "registered_org")}
    here_area = organisation_area(here)
    candidates = []
    for pk, basis in bases.items():
        other = matters.get(pk)
        if other is None:
            continue
        if pk not in scores and len(probe.text) >= MIN_TEXT_CHARS:
            scores[pk] = round(float(fuzz.WRatio(probe.text, _matter_text(other))), 1)
        candidate = Candidate(matter=other, label="", basis=tuple(sorted(basis)), score=scores.get(pk, 0.0))
        candidate.label = candidate_label(other=other, here=here, here_area=here_area) or candidate.related_kind
        candidate.relevance = (
            candidate.score
            + (100 if "hotline_order_ref" in basis else 0)
            + (50 if basis & {"petitioner", "id_number", "phone"} else 30 if "name_address" in basis else 0)
        )
        candidates.append(candidate)
    candidates.sort(key=lambda c: (-c.relevance, -c.matter.received_at.timestamp()))
    return candidates[:limit]


def _text_candidates(text: str, window: Any, since: datetime.datetime) -> Any:
    """The matters of `window` whose text may be similar: those sharing an LSH band with `text` in
    the near-duplicate index (textmining; at most XINFANG_NEARDUP["CANDIDATES"]), re-scored exactly
    by `similar_texts`. A text shorter than one shingle has no band: the whole window (the old path)."""
    if len(text) < params_from_settings().shingle_size:
        return window
    return window.filter(pk__in=neardup_candidates(object_type=OBJECT_TYPE, text=text, since=since))


def matter_index_text(matter: Matter) -> str:
    """The text of a matter as indexed and compared (title, request and facts)."""
    return " ".join([matter.title, matter.request, matter.facts])


def neardup_documents(*, batch_size: int = 1000) -> tuple[int, Iterator[list[tuple[int, str, datetime.datetime]]]]:
    """Every matter as (id, text, received time), in batches by id: the source of the near-duplicate
    index for `manage.py neardup_rebuild` (XINFANG_NEARDUP_SOURCES). Merged and closed matters are
    indexed too (`repeat_candidates` filters by status and permission)."""
    matters = Matter.objects.order_by("pk")

    def batches() -> Iterator[list[tuple[int, str, datetime.datetime]]]:
        last = 0
        while True:
            rows = list(
                matters.filter(pk__gt=last).values_list("pk", "title", "request", "facts", "received_at")[:batch_size]
            )
            if not rows:
                return
            yield [(pk, " ".join([title, request, facts]), at) for pk, title, request, facts, at in rows]
            last = rows[-1][0]

    return matters.count(), batches()


# Normalised texts of matters, per process, keyed by id and checked against `updated_at` (every save
# of a matter changes it): a query then reads only ids and timestamps of the index's candidates (at
# most XINFANG_NEARDUP["CANDIDATES"]), and normalises only what is new. Bounded; the oldest go first.
_TEXT_CACHE: dict[int, tuple[datetime.datetime, str, str]] = {}
TEXT_CACHE_MAX = 20_000
_FETCH_CHUNK = 500


def _text_corpus(matters: Any) -> list[tuple[int, str, str]]:
    """(id, normalised title, normalised text) of the matters of a queryset."""
    stamps = list(matters.values_list("pk", "updated_at"))
    missing = [pk for pk, updated in stamps if (_TEXT_CACHE.get(pk) or (None,))[0] != updated]
    fresh: dict[int, tuple[datetime.datetime, str, str]] = {}
    for start in range(0, len(missing), _FETCH_CHUNK):
        rows = Matter.objects.filter(pk__in=missing[start : start + _FETCH_CHUNK]).values_list(
            "pk", "updated_at", "title", "request", "facts"
        )
        for pk, updated, title, request, facts in rows:
            fresh[pk] = (updated, normalise_text(title), normalise_text(" ".join([title, request, facts])))
    corpus = []
    for pk, _updated in stamps:
        entry = fresh.get(pk) or _TEXT_CACHE.get(pk)
        if entry is not None:
            corpus.append((pk, entry[1], entry[2]))
    _TEXT_CACHE.update(fresh)
    for pk in list(_TEXT_CACHE)[: max(len(_TEXT_CACHE) - TEXT_CACHE_MAX, 0)]:
        del _TEXT_CACHE[pk]
    return corpus


def _matter_text(matter: Matter) -> str:
    return normalise_text(" ".join([matter.title, matter.request, matter.facts]))


# --- The clerk's decision ------------------------------------------------------------------------


def _default_proper_channel(kind: str, other: Matter) -> str:
    if kind == LinkKind.PENDING_HIGHER:
        return _(
            "该信访事项已由%(org)s受理或正在办理（编号%(number)s），请等待其办理结果；"
            "对处理意见不服的，可以依法请求复查（《信访工作条例》第十九条第三款、第三十五条）。"
        ) % {"org": other.current_org.name, "number": other.number}
    return _(
        "该信访事项已经复核（编号%(number)s）；以同一事实和理由再次提出的，不再受理（《信访工作条例》第三十六条第三款）。"
    ) % {"number": other.number}


@transaction.atomic
def matter_link(
    *, actor: Any, matter: Matter, other: Matter, kind: str, reason: str, proper_channel: str = ""
) -> MatterLink:
    """Record the clerk's decision that `matter` is linked to the earlier `other` (A2), with the
    reason (required). When the clerk decides it is the same matter, the new matter is not
    registered twice:

    - `in_progress_here`: merged into the earlier matter (status MERGED);
    - `pending_higher` (XF-REG-04): not accepted, ground `pending_higher`;
    - `after_re_review` (XF-REV-06): not accepted, ground `after_re_review`;

    each only when the earlier matter really has that label (checked again here), and only from
    "registered". The new matter's triage clock (D1) stops: the decision is made; its notice clock
    runs on (the petitioner is told, XF-NOT-01/02). Other kinds only record the link."""
    errors: dict[str, list[str]] = {}
    if kind not in LinkKind.values:
        errors.setdefault("kind", []).append(_("请选择关联类型。"))
    if not (reason or "").strip():
        errors.setdefault("reason", []).append(_("请写明作出此决定的理由。"))
    if errors:
        raise ValidationError(errors)
    decisive = kind in DECISIVE_KINDS
    if decisive:
        require(actor, Action.MATTER_TRIAGE, matter.current_org)
    elif not any(
        user_can(actor, action, org)
        for action in (Action.MATTER_REGISTER, Action.MATTER_TRIAGE)
        for org in (matter.current_org, matter.registered_org)
    ):
        raise PermissionDenied(_("您没有权限关联该事项。"))
    visible = Matter.objects.restrict(actor, Action.MATTER_VIEW)
    if not visible.filter(pk=matter.pk).exists():
        raise PermissionDenied(_("您没有权限关联该事项。"))
    if other.pk == matter.pk or not visible.filter(pk=other.pk).exists():
        raise ValidationError({"other": _("所选事项不存在或不在您的查看范围内。")})
    if MatterLink.objects.filter(matter=matter, other=other, kind=kind).exists():
        raise ValidationError({"other": _("这两件事项已经按此类型关联过。")})
    matter = Matter.objects.select_for_update().select_related("registered_org", "current_org").get(pk=matter.pk)
    other = Matter.objects.select_related("current_org").get(pk=other.pk)
    if decisive:
        actual = candidate_label(other=other, here=matter.registered_org)
        if actual != kind:
            raise ValidationError(
                {
                    "kind": _("事项%(number)s不属于“%(kind)s”的情形，不能据此作出决定。")
                    % {"number": other.number, "kind": LABEL_EXPLANATIONS[LinkKind(kind)]}
                }
            )
    link = MatterLink.objects.create(matter=matter, other=other, kind=kind, reason=reason.strip(), decided_by=actor)
    if kind == LinkKind.IN_PROGRESS_HERE:
        matter_transition(
            matter=matter, to=Status.MERGED, actor=actor, action="matter.merge", summary={"into": other.pk}
        )
    elif kind in (LinkKind.PENDING_HIGHER, LinkKind.AFTER_RE_REVIEW):
        ground = (
            NonAcceptanceGround.PENDING_HIGHER
            if kind == LinkKind.PENDING_HIGHER
            else NonAcceptanceGround.AFTER_RE_REVIEW
        )
        matter.non_acceptance_ground = ground
        matter.proper_channel = (proper_channel or "").strip() or _default_proper_channel(kind, other)
        matter.save(update_fields=["non_acceptance_ground", "proper_channel", "updated_at"])
        matter_transition(
            matter=matter,
            to=Status.NOT_ACCEPTED,
            actor=actor,
            action="matter.not_accept",
            summary={"ground": str(ground), "same_as": other.pk},
        )
    if decisive:
        clock = clock_get(object_type=OBJECT_TYPE, object_id=str(matter.pk), kind=CLOCK_TRIAGE)
        if clock is not None:
            clock_stop(clock=clock, actor=actor, reason=f"matter.link:{kind}")
    audit_record(
        actor=actor,
        action="matter.link",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        # The reason is free text (it may name people): it stays on the link, not in the log.
        summary={"after": {"other": other.pk, "other_number": other.number, "kind": kind}},
    )
    return link


def link_hotline_order(*, actor: Any, matter: Matter) -> MatterLink | None:
    """A 12345 order that became a petition (HOT-05): when the order exists here as a matter (its
    number is the order reference), link it; otherwise the reference alone is kept on the matter.
    Clocks are never merged: each keeps its own."""
    ref = matter.hotline_order_ref
    if not ref:
        return None
    order = Matter.objects.restrict(actor, Action.MATTER_VIEW).filter(number=ref).exclude(pk=matter.pk).first()
    if order is None:
        return None
    link = MatterLink.objects.create(
        matter=matter, other=order, kind=LinkKind.HOTLINE_ORDER, reason=_("12345工单转为信访事项"), decided_by=actor
    )
    audit_record(
        actor=actor,
        action="matter.link",
        target=matter,
        object_label=matter.number,
        org_id=matter.current_org_id,
        summary={"after": {"other": order.pk, "other_number": order.number, "kind": str(LinkKind.HOTLINE_ORDER)}},
    )
    return link
