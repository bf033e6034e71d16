"""Demo data of the grid app (DEMO ONLY, for `make run`): a boundary for every grid of the demo
district — villages laid out on a jittered lattice near Nansha (113.5°E, 22.7°N), each village cut
into strips, one per grid, neighbours sharing their borders exactly — and about 100 events in
various states, each through the real services. Idempotent: does nothing once a grid has a
boundary."""

from __future__ import annotations

import math
import random
from typing import Any

from django.db import transaction

from xinfang.accounts.models import Membership
from xinfang.accounts.roles import Role
from xinfang.core.actors import SYSTEM
from xinfang.orgs.models import Function, Kind, Organisation

from . import services
from .geometry import point_in_shape, shape_from_geojson
from .models import DisputeCategory, GridProfile
from .states import Layer

ORIGIN = (113.42, 22.62)
CELL = 0.02  # degrees: about 2 km per village cell
EVENTS = 100
STORIES = [
    ("neighbour", "楼上住户装修漏水，楼下住户多次协商未果，双方发生争吵。", "{v}第3巷"),
    ("environment_nuisance", "夜间广场舞音响噪音扰民，周边居民投诉。", "{v}文化广场"),
    ("wage_arrears", "工地包工头拖欠12名农民工工资约18万元，工人聚集讨薪。", "{v}工业区在建工地"),
    ("property_management", "小区物业费上涨，业主与物业公司协商未果，拒交物业费。", "{v}花园小区"),
    ("marriage_family", "夫妻因子女抚养问题争吵，女方要求村委会调解。", "{v}东街"),
    ("land_housing", "宅基地确权争议，两户村民对界址各执一词。", "{v}北片"),
    ("contract_debt", "个体户借款5万元到期未还，借条有争议。", "{v}市场"),
    ("labour", "员工被辞退后要求经济补偿，用人单位拒绝支付。", "{v}工业园"),
    ("consumer", "健身房关门跑路，会员预付卡无法退款。", "{v}商业街"),
    ("traffic_accident", "电动车与小汽车剐蹭，双方就赔偿金额协商未果。", "{v}路口"),
    ("medical", "村民在诊所输液后不适，家属要求诊所赔偿。", "{v}卫生站"),
    ("", "鱼塘承包合同到期后，承包户与村集体对补偿款有分歧。", "{v}鱼塘"),
]
PEOPLE = "陈李黄梁何林罗郑谢冯邓曾"


def _lattice(rows: int, cols: int, rng: random.Random) -> list[list[tuple[float, float]]]:
    points = []
    for i in range(rows + 1):
        row = []
        for j in range(cols + 1):
            jitter = (
                (0.0, 0.0) if i in (0, rows) or j in (0, cols) else (rng.uniform(-0.2, 0.2), rng.uniform(-0.2, 0.2))
            )
            row.append((ORIGIN[0] + (j + jitter[0]) * CELL, ORIGIN[1] + (i + jitter[1]) * CELL))
        points.append(row)
    return points


def _lerp(a: tuple[float, float], b: tuple[float, float], t: float) -> tuple[float, float]:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def _strips(corners: list[tuple[float, float]], count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Cut the quadrilateral (sw, se, ne, nw) into `count` strips west to east; each inner cut has a
    bend in the middle, shared by both strips."""
    sw, se, ne, nw = corners
    cuts = []
    for k in range(count + 1):
        t = k / count
        bottom, top = _lerp(sw, se, t), _lerp(nw, ne, t)
        mid = _lerp(bottom, top, 0.5)
        if 0 < k < count:
            mid = (mid[0] + rng.uniform(-0.15, 0.15) * CELL / count, mid[1])
        cuts.append((bottom, mid, top))
    polygons = []
    for k in range(count):
        (b0, m0, t0), (b1, m1, t1) = cuts[k], cuts[k + 1]
        ring = [b0, b1, m1, t1, t0, m0, b0]
        polygons.append({"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]})
    return polygons


def _reporter(grid: Organisation) -> Any:
    membership = (
        Membership.objects.filter(organisation=grid, role=Role.GRID_WORKER, is_active=True)
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else SYSTEM


@transaction.atomic
def demo_grid_load(*, seed: int = 7) -> dict[str, int]:
    """Load the demo; returns counts of what was created."""
    if GridProfile.objects.exists():
        return {}
    district = Organisation.objects.filter(kind=Kind.DISTRICT, is_external=False).order_by("path").first()
    if district is None:
        raise LookupError("no district: run demo_district first")
    villages = list(
        Organisation.objects.filter(
            path__startswith=district.path, kind__in=[Kind.VILLAGE, Kind.COMMUNITY], is_active=True
        ).order_by("path")
    )
    grids_by_village = {
        v.pk: list(Organisation.objects.filter(parent=v, kind=Kind.GRID, is_active=True).order_by("path"))
        for v in villages
    }
    villages = [v for v in villages if grids_by_village[v.pk]]
    if not villages:
        raise LookupError("no grids in the demo district: run demo_district first")
    rng = random.Random(seed)  # noqa: S311 (demo data, not security)
    # Each town a square block of village cells; the blocks side by side in a square of towns.
    towns: dict[int | None, list[Organisation]] = {}
    for village in villages:
        towns.setdefault(village.parent_id, []).append(village)
    block = math.ceil(math.sqrt(max(len(members) for members in towns.values())))
    per_row = math.ceil(math.sqrt(len(towns)))
    cells: dict[int, tuple[int, int]] = {}
    for t, members in enumerate(towns.values()):
        for k, village in enumerate(members):
            cells[village.pk] = ((t // per_row) * block + k // block, (t % per_row) * block + k % block)
    rows = max(i for i, _j in cells.values()) + 1
    cols = max(j for _i, j in cells.values()) + 1
    lattice = _lattice(rows, cols, rng)
    counts = {"grids": 0, "events": 0}
    all_layers = [Layer.PARTY_BUILDING, Layer.GOVERNANCE, Layer.SERVICE]
    shapes: dict[int, Any] = {}
    for village in villages:
        i, j = cells[village.pk]
        corners = [lattice[i][j], lattice[i][j + 1], lattice[i + 1][j + 1], lattice[i + 1][j]]
        grids = grids_by_village[village.pk]
        for grid, boundary in zip(grids, _strips(corners, len(grids), rng), strict=True):
            layers = all_layers if rng.random() < 0.7 else all_layers[1:]
            services.grid_profile_save(actor=SYSTEM, grid=grid, boundary=boundary, layers=layers)
            shapes[grid.pk] = (grid, village, shape_from_geojson(boundary))
            counts["grids"] += 1
    categories = {c.code: c for c in DisputeCategory.objects.all()}
    petition_offices = {
        o.parent_id: o
        for o in Organisation.objects.filter(function=Function.PETITION_BUREAU, path__startswith=district.path)
    }
    entries = list(shapes.values())
    for _n in range(EVENTS):
        grid, village, shape = rng.choice(entries)
        code, description, place = rng.choice(STORIES)
        lon = lat = None
        if rng.random() < 0.85:
            min_lon, min_lat, max_lon, max_lat = shape.bbox()
            for _attempt in range(20):
                x, y = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
                if point_in_shape(shape, x, y):
                    lon, lat = round(x, 6), round(y, 6)
                    break
        surname_a, surname_b = rng.sample(PEOPLE, 2)
        known = code and rng.random() < 0.6
        event = services.grid_event_report(
            actor=_reporter(grid),
            grid=grid,
            data=services.GridEventData(
                place_text=place.format(v=village.name),
                description=description,
                category=categories.get(code) if known else None,
                lon=lon,
                lat=lat,
                parties=[
                    services.PartyEntry(
                        name=f"{surname_a}某某", role="applicant", phone=f"139{rng.randint(0, 10**8 - 1):08d}"
                    ),
                    services.PartyEntry(name=f"{surname_b}某", role="respondent"),
                ],
            ),
        )
        counts["events"] += 1
        step = rng.random()
        if step < 0.2:
            continue  # reported
        if step < 0.32:
            services.grid_event_escalate(actor=SYSTEM, event=event, reason="村级调处未果，请镇（街）协调。")
            if rng.random() < 0.3:
                services.grid_event_accept(actor=SYSTEM, event=event)
                services.grid_event_escalate(actor=SYSTEM, event=event, reason="涉及多个部门，请区级协调。")
            continue
        if step < 0.36:
            town_office = petition_offices.get(village.parent_id)
            head = (
                Membership.objects.filter(organisation=town_office, role=Role.BUREAU_HEAD, is_active=True)
                .select_related("user")
                .first()
            )
            if town_office is not None and head is not None:  # a petition is registered by a person
                services.grid_event_to_petition(actor=head.user, event=event, organisation=town_office)
                continue
        event = services.grid_event_accept(actor=SYSTEM, event=event)
        if step < 0.55:
            continue  # accepted
        event = services.grid_event_handle(
            actor=SYSTEM, event=event, result="经网格员和村调委会现场调解，双方达成一致。"
        )
        if step < 0.7:
            continue
        event = services.grid_event_close(actor=SYSTEM, event=event)
        if step < 0.85:
            continue
        services.grid_event_verify(actor=SYSTEM, event=event, note="网格员回访，当事人表示满意。")
    return counts
