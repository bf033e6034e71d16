"""Keeping the rollups current (docs/dashboards.md).

`matter_facts` / `event_facts` compute what a batch of matters or grid events contributes (one
definition, used by the write path and by the rebuild alike). `on_audit_events` is named in
`XINFANG_AUDIT_LISTENERS` and takes the batch of events one write appended: it collects the
matters and grid events they are about, recomputes each one's fact once and applies the difference
to the daily and monthly tallies, inside the writer's transaction. `rollup_rebuild` recomputes
everything from the source tables in batches.

Tallies count subtrees: a fact of organisation X is added to the rows of X and of every ancestor
of X (the ids in X's materialised path), so a dashboard reads one organisation's rows.

Keys are "dim:value" strings; a row may carry a key more than once (two clocks of one kind)."""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xinfang.grid.models import GridEvent
from xinfang.grid.states import EventLevel, EventStatus
from xinfang.orgs.models import Level, Organisation
from xinfang.petitions.models import Evaluation, Matter, MatterLink, Routing
from xinfang.petitions.services.repeats import DECISIVE_KINDS
from xinfang.petitions.states import Status
from xinfang.workcalendar.models import Clock

from .models import Fact, Period, Source, Tally

MATTER_OBJECT_TYPE = "petitions.matter"
ROUTING_OBJECT_TYPE = "petitions.routing"
EVENT_OBJECT_TYPE = "grid.gridevent"
ORG_OBJECT_TYPE = "orgs.organisation"
# Matter actions that may change whether an earlier matter stays resolved (repeat links).
LINK_ACTIONS = frozenset({"matter.register", "matter.link", "matter.merge", "matter.not_accept"})
# Audit actions that change nothing the figures read.
IGNORED_ACTIONS = frozenset({"personal_data.view", "data.export", "matter.attachment_add"})
# Concluded at first handling: the matter itself ends here (no review was asked for).
FIRST_RESOLVED_STATUSES = frozenset({Status.CONCLUDED})
# Statuses that end a matter.
ENDED_STATUSES = frozenset({Status.CONCLUDED, Status.FINAL, Status.TERMINATED})
# Grid events resolved: closed by the handling level, then verified on site.
EVENT_RESOLVED = frozenset({EventStatus.CLOSED, EventStatus.VERIFIED})

FactRow = tuple[datetime.date, int, list[str]]


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _org_info(ids: Iterable[int | None]) -> dict[int, tuple[int, str]]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return {
        row["id"]: (row["level"], row["path"])
        for row in Organisation.objects.filter(pk__in=wanted).values("id", "level", "path")
    }


def _place_key(place_id: int | None, info: dict[int, tuple[int, str]], levels: dict[int, int]) -> str:
    """The town or street the place lies in (a district-level place stays itself); "" when unknown."""
    if not place_id or place_id not in info:
        return ""
    _level, path = info[place_id]
    for ancestor in (int(p) for p in path.strip("/").split("/") if p):
        if levels.get(ancestor) == Level.TOWNSHIP:
            return str(ancestor)
    return str(place_id)


def matter_facts(ids: list[int]) -> dict[int, FactRow]:
    """What each matter contributes: its received day, its responsible organisation (the one that
    accepted and handles it, else the one holding it) and its keys. A fixed number of queries."""
    if not ids:
        return {}
    fields = ("registered_org_id", "current_org_id", "handling_org_id", "review_org_id", "rereview_org_id")
    rows = list(
        Matter.objects.filter(pk__in=ids).values(
            "id", "received_at", "channel", "matter_type_id", "nature", "place_org_id", "status", *fields
        )
    )
    found = [row["id"] for row in rows]
    repeat = set(
        MatterLink.objects.filter(matter_id__in=found, kind__in=DECISIVE_KINDS).values_list("matter_id", flat=True)
    )
    repeated = set(
        MatterLink.objects.filter(other_id__in=found, kind__in=DECISIVE_KINDS).values_list("other_id", flat=True)
    )
    routings: dict[int, list[tuple[str, int]]] = {}
    for matter_id, kind, to_org in Routing.objects.filter(matter_id__in=found).values_list(
        "matter_id", "kind", "to_org_id"
    ):
        routings.setdefault(matter_id, []).append((kind, to_org))
    evaluations: dict[int, list[tuple[str, bool]]] = {}
    for matter_id, stage, bad in Evaluation.objects.filter(matter_id__in=found).values_list(
        "matter_id", "stage", "is_dissatisfied"
    ):
        evaluations.setdefault(matter_id, []).append((stage, bad))
    clocks: dict[int, list[str]] = {}
    for object_id, kind, due, stopped in Clock.objects.filter(
        object_type=MATTER_OBJECT_TYPE, object_id__in=[str(i) for i in found]
    ).values_list("object_id", "kind", "due_date", "stopped_at"):
        outcome = "open" if stopped is None else ("on_time" if _local_day(stopped) <= due else "late")
        clocks.setdefault(int(object_id), []).append(f"clock_{outcome}:{kind}")
    info = _org_info(
        [row[f] for row in rows for f in (*fields, "place_org_id")] + [o for r in routings.values() for _k, o in r]
    )
    ancestors = {
        int(p)
        for row in rows
        if row["place_org_id"] in info
        for p in info[row["place_org_id"]][1].strip("/").split("/")
        if p
    }
    levels = dict(Organisation.objects.filter(pk__in=ancestors).values_list("id", "level")) if ancestors else {}
    result: dict[int, FactRow] = {}
    for row in rows:
        pk = row["id"]
        org_ids = [row[f] for f in fields if row[f]] + [o for _k, o in routings.get(pk, [])]
        escalated = any(info.get(o, (Level.DISTRICT, ""))[0] < Level.DISTRICT for o in org_ids)
        is_repeat = pk in repeat
        keys = [
            "all:",
            f"channel:{row['channel']}",
            f"category:{row['matter_type_id'] or ''}",
            f"nature:{row['nature']}",
            f"place:{_place_key(row['place_org_id'], info, levels)}",
            f"status:{row['status']}",
            "repeat:" if is_repeat else "first:",
        ]
        if (
            not is_repeat
            and row["status"] in FIRST_RESOLVED_STATUSES
            and pk not in repeated
            and not row["review_org_id"]
        ):
            keys.append("first_resolved:")
        if row["status"] in ENDED_STATUSES:
            keys.append("ended:")
        keys.append("escalated:" if escalated else "county:")
        keys += [f"routing:{kind}" for kind, _o in routings.get(pk, [])]
        for stage, bad in evaluations.get(pk, []):
            keys.append(f"evaluated:{stage}")
            if not bad:
                keys.append(f"satisfied:{stage}")
        keys += clocks.get(pk, [])
        org = row["handling_org_id"] or row["current_org_id"]
        result[pk] = (_local_day(row["received_at"]), org, keys)
    return result


def event_facts(ids: list[int]) -> dict[int, FactRow]:
    """What each grid event contributes: its reported day, its grid, and its keys."""
    result: dict[int, FactRow] = {}
    for row in GridEvent.objects.filter(pk__in=ids).values(
        "id", "reported_at", "grid_id", "status", "level", "category_id"
    ):
        keys = ["grid_all:", f"grid_status:{row['status']}", f"grid_category:{row['category_id'] or ''}"]
        if row["status"] in EVENT_RESOLVED:
            keys.append("grid_resolved:")
            if row["level"] == EventLevel.VILLAGE:
                keys.append("grid_at_source:")
        if row["status"] == EventStatus.CONVERTED:
            keys.append("grid_converted:")
        result[row["id"]] = (_local_day(row["reported_at"]), row["grid_id"], keys)
    return result


FACTS: dict[str, Callable[[list[int]], dict[int, FactRow]]] = {
    Source.MATTER: matter_facts,
    Source.GRID_EVENT: event_facts,
}

TallyKey = tuple[str, datetime.date, int, str, str]
OrgPaths = dict[int, tuple[int, ...]]


def org_paths(ids: Iterable[int] | None = None) -> OrgPaths:
    """For each organisation, the ids of its path from the root down to itself (no ids: all)."""
    queryset = Organisation.objects.all()
    if ids is not None:
        wanted = {i for i in ids if i}
        if not wanted:
            return {}
        queryset = queryset.filter(pk__in=wanted)
    return {
        pk: tuple(int(p) for p in path.strip("/").split("/") if p) for pk, path in queryset.values_list("id", "path")
    }


def _tally_keys(day: datetime.date, org: int, keys: list[str], paths: OrgPaths) -> Iterator[TallyKey]:
    """The tally rows one fact counts in: each key, per day and per month, for the organisation
    and each of its ancestors (an organisation not found counts for itself alone)."""
    month = month_start(day)
    orgs = paths.get(org) or (org,)
    for key in keys:
        dim, _sep, value = key.partition(":")
        for scope in orgs:
            yield (Period.DAY, day, scope, dim, value)
            yield (Period.MONTH, month, scope, dim, value)


def _upsert(delta: Counter[TallyKey]) -> None:
    rows = [(*key, n) for key, n in delta.items() if n]
    if not rows:
        return
    table = Tally._meta.db_table
    sql = (
        f"INSERT INTO {table} (period, start, org_id, dim, value, n) VALUES (%s, %s, %s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (org_id, period, start, dim, value) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def facts_refresh(source: str, ids: Iterable[int]) -> None:
    """Recompute the facts of these rows and move the difference into the tallies. Call inside the
    writer's transaction (the audit listener does)."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    new = FACTS[source](wanted)
    old = {f.object_id: f for f in Fact.objects.filter(source=source, object_id__in=wanted)}
    changed = [
        pk
        for pk in wanted
        if (before := old.get(pk)) is None
        or (after := new.get(pk)) is None
        or (before.day, before.org_id, sorted(before.keys)) != (after[0], after[1], sorted(after[2]))
    ]
    if not changed:
        return
    paths = org_paths([old[pk].org_id for pk in changed if pk in old] + [new[pk][1] for pk in changed if pk in new])
    delta: Counter[TallyKey] = Counter()
    creates, updates = [], []
    for pk in changed:
        before, after = old.get(pk), new.get(pk)
        if before is not None:
            delta.subtract(_tally_keys(before.day, before.org_id, before.keys, paths))
        if after is not None:
            delta.update(_tally_keys(*after, paths))
            if before is None:
                creates.append(Fact(source=source, object_id=pk, day=after[0], org_id=after[1], keys=after[2]))
            else:
                before.day, before.org_id, before.keys = after
                updates.append(before)
    gone = [pk for pk in wanted if pk in old and pk not in new]
    if gone:
        Fact.objects.filter(source=source, object_id__in=gone).delete()
    if creates:
        Fact.objects.bulk_create(creates)
    if updates:
        Fact.objects.bulk_update(updates, ["day", "org_id", "keys"])
    _upsert(delta)


def subtree_rows_move(org_id: int, old_parent_id: int | None, new_parent_id: int | None) -> None:
    """An organisation moved (with its subtree) from one parent to another: its own rows are its
    subtree's sums, so they are taken off the ancestors it left and added to the ones it joined,
    one INSERT … SELECT per ancestor that changed (the moved subtree's rows stay as they are)."""
    paths = org_paths([i for i in (old_parent_id, new_parent_id) if i])
    left = set(paths.get(old_parent_id or 0, ()))
    joined = set(paths.get(new_parent_id or 0, ()))
    changes = [(a, -1) for a in sorted(left - joined)] + [(a, 1) for a in sorted(joined - left)]
    table = Tally._meta.db_table
    sql = (
        f"INSERT INTO {table} (period, start, org_id, dim, value, n) "  # noqa: S608
        f"SELECT period, start, %s, dim, value, %s * n FROM {table} WHERE org_id = %s AND n <> 0 "
        f"ON CONFLICT (org_id, period, start, dim, value) DO UPDATE SET n = {table}.n + excluded.n"
    )
    with connection.cursor() as cursor:
        for ancestor, sign in changes:
            cursor.execute(sql, [ancestor, sign, org_id])


def _parent(summary: Any, when: str) -> int | None:
    value = (summary or {}).get(when, {}).get("parent")
    return int(value) if value else None


class AuditBatchListener:
    """The audit listener (settings.XINFANG_AUDIT_LISTENERS), taking the whole batch of events one
    write appended (`takes_batches`): a quick filter without queries, then one refresh of each
    matter and grid event the batch is about (a registration's three events: one refresh). A
    repeat link also touches the earlier matter; a routing, its matter. An organisation moved to
    another parent moves its subtree's sums between the ancestors (`subtree_rows_move`)."""

    takes_batches = True

    def __call__(self, events: Sequence[Any]) -> None:
        matters: set[int] = set()
        linking: list[int] = []
        routings: list[int] = []
        grid_events: set[int] = set()
        for event in events:
            if event.action in IGNORED_ACTIONS or not event.object_id.isdigit():
                continue
            object_type, pk = event.object_type, int(event.object_id)
            if object_type == MATTER_OBJECT_TYPE:
                matters.add(pk)
                if event.action in LINK_ACTIONS:
                    linking.append(pk)
            elif object_type == ROUTING_OBJECT_TYPE:
                routings.append(pk)
            elif object_type == EVENT_OBJECT_TYPE:
                grid_events.add(pk)
            elif object_type == ORG_OBJECT_TYPE and event.action == "org.move":
                subtree_rows_move(pk, _parent(event.summary, "before"), _parent(event.summary, "after"))
        if linking:
            matters.update(
                MatterLink.objects.filter(matter_id__in=linking, kind__in=DECISIVE_KINDS).values_list(
                    "other_id", flat=True
                )
            )
        if routings:
            matters.update(Routing.objects.filter(pk__in=routings).values_list("matter_id", flat=True))
        if matters:
            facts_refresh(Source.MATTER, matters)
        if grid_events:
            facts_refresh(Source.GRID_EVENT, grid_events)


on_audit_events = AuditBatchListener()


@dataclass
class RebuildResult:
    matters: int = 0
    events: int = 0
    tallies: int = 0


FACT_COLUMNS = ("source", "object_id", "day", "org_id", "keys")
TALLY_COLUMNS = ("period", "start", "org_id", "dim", "value", "n")


def _insert(model: Any, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Plain inserts of many rows into an emptied table: COPY on PostgreSQL (the rebuild of a
    million matters writes millions of tally rows), executemany elsewhere."""
    if not rows:
        return
    table, names = model._meta.db_table, ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608


def _rebuild_source(
    source: str,
    ordered: Any,
    total: int,
    batch: int,
    progress: Callable[[str, int, int], None] | None,
    paths: OrgPaths,
) -> tuple[int, int]:
    """Facts in batches, in day order, so the daily tallies of a finished day are written once and
    forgotten (memory stays bounded); monthly tallies are summed to the end."""
    compute = FACTS[source]
    daily: Counter[TallyKey] = Counter()
    monthly: Counter[TallyKey] = Counter()
    done = written = 0
    ids: list[int] = []

    def flush(ids: list[int], final: bool) -> int:
        facts = compute(ids)
        _insert(Fact, FACT_COLUMNS, [(source, pk, d, o, json.dumps(k)) for pk, (d, o, k) in facts.items()])
        last_day = max((d for d, _o, _k in facts.values()), default=None)
        for day, org, keys in facts.values():
            for key in _tally_keys(day, org, keys, paths):
                (daily if key[0] == Period.DAY else monthly)[key] += 1
        ready = [k for k in daily if final or (last_day is not None and k[1] < last_day)]
        _insert(Tally, TALLY_COLUMNS, [(*k, daily.pop(k)) for k in ready])
        return len(ready)

    for pk in ordered.values_list("pk", flat=True).iterator(chunk_size=batch):
        ids.append(pk)
        if len(ids) >= batch:
            written += flush(ids, final=False)
            done += len(ids)
            ids = []
            if progress:
                progress(source, done, total)
    written += flush(ids, final=True)
    done += len(ids)
    if progress:
        progress(source, done, total)
    _insert(Tally, TALLY_COLUMNS, [(*k, n) for k, n in monthly.items()])
    return done, written + len(monthly)


def rollup_rebuild(*, batch: int = 5000, progress: Callable[[str, int, int], None] | None = None) -> RebuildResult:
    """Throw the rollups away and build them again from the matters and grid events. One
    transaction (the dashboards never see a half-built state); writers wait for it on the tally rows."""
    result = RebuildResult()
    with transaction.atomic():
        Tally.objects.all().delete()
        Fact.objects.all().delete()
        paths = org_paths()
        matters = Matter.objects.order_by("received_at", "pk")
        result.matters, n = _rebuild_source(Source.MATTER, matters, matters.count(), batch, progress, paths)
        result.tallies += n
        events = GridEvent.objects.order_by("reported_at", "pk")
        result.events, n = _rebuild_source(Source.GRID_EVENT, events, events.count(), batch, progress, paths)
        result.tallies += n
    return result
