"""The vector map of grids and events, drawn as inline SVG on the server: lon/lat projected into
the SVG viewBox (equirectangular, scaled by the cosine of the middle latitude, y pointing down).
No tiles, no internet, no JavaScript."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from .geometry import shape_from_geojson, signed_area
from .states import EventStatus

WIDTH = 1000.0
LABEL_LIMIT = 60  # more grids than this: one label per village instead (grid names stay in tooltips)
PADDING = 0.04  # of the larger span, around the drawing

# One colour per status (the legend repeats them in words; the table is the text alternative).
STATUS_COLOURS = {
    EventStatus.REPORTED: "#d63384",
    EventStatus.ACCEPTED: "#fd7e14",
    EventStatus.ESCALATED: "#dc3545",
    EventStatus.HANDLED: "#0d6efd",
    EventStatus.CLOSED: "#198754",
    EventStatus.VERIFIED: "#20c997",
    EventStatus.CONVERTED: "#6f42c1",
}


@dataclass(frozen=True)
class MapGrid:
    pk: int
    name: str
    path: str
    label_x: float
    label_y: float
    layers: list[str]


@dataclass(frozen=True)
class MapDot:
    pk: int
    number: str
    status: str
    status_label: str
    colour: str
    x: float
    y: float


@dataclass(frozen=True)
class MapLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class GridMap:
    width: float
    height: float
    grids: list[MapGrid]
    dots: list[MapDot]
    labels: list[MapLabel]
    font_size: float = 16.0
    labels_by_village: bool = False

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    area = signed_area(ring)
    if abs(area) < 1e-15:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def grid_map(profiles: list[Any], events: list[Any]) -> GridMap:
    """The drawing of `profiles` (GridProfile rows with a boundary) and `events` (GridEvent rows;
    those without coordinates are left off the drawing, not off the table)."""
    shapes = [(profile, shape_from_geojson(profile.boundary)) for profile in profiles if profile.boundary]
    located = [event for event in events if event.lon is not None and event.lat is not None]
    lons = [p[0] for _pr, shape in shapes for ring in shape.rings for p in ring] + [float(e.lon) for e in located]
    lats = [p[1] for _pr, shape in shapes for ring in shape.rings for p in ring] + [float(e.lat) for e in located]
    if not lons:
        return GridMap(width=WIDTH, height=WIDTH / 2, grids=[], dots=[], labels=[])
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    span_x = max((max_lon - min_lon) * kx, 1e-6)
    span_y = max(max_lat - min_lat, 1e-6)
    pad = PADDING * max(span_x, span_y)
    scale = WIDTH / (span_x + 2 * pad)
    height = (span_y + 2 * pad) * scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        return ((lon - min_lon) * kx + pad) * scale, ((max_lat - lat) + pad) * scale

    grids = []
    for profile, shape in shapes:
        parts = []
        for ring in shape.rings:
            points = [project(lon, lat) for lon, lat in ring[:-1]]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
        outer = max((polygon[0] for polygon in shape.polygons), key=lambda r: abs(signed_area(r)))
        label_x, label_y = project(*_centroid(outer))
        grids.append(
            MapGrid(
                pk=profile.organisation_id,
                name=profile.organisation.local_name,
                path=" ".join(parts),
                label_x=round(label_x, 1),
                label_y=round(label_y, 1),
                layers=profile.layer_labels,
            )
        )
    dots = []
    for event in located:
        x, y = project(float(event.lon), float(event.lat))
        dots.append(
            MapDot(
                pk=event.pk,
                number=event.number,
                status=event.status,
                status_label=str(EventStatus(event.status).label),
                colour=STATUS_COLOURS.get(EventStatus(event.status), "#6c757d"),
                x=round(x, 1),
                y=round(y, 1),
            )
        )
    labels, font_size, by_village = _labels(shapes, grids, scale * kx)
    return GridMap(
        width=WIDTH,
        height=round(height, 1),
        grids=grids,
        dots=dots,
        labels=labels,
        font_size=font_size,
        labels_by_village=by_village,
    )


def _labels(shapes: list[Any], grids: list[MapGrid], unit: float) -> tuple[list[MapLabel], float, bool]:
    """Grid names at their centroids, sized to fit a typical grid; with many grids, village names
    at the middle of their grids instead (the names of grids stay in the tooltips and the table)."""
    if not grids:
        return [], 16.0, False
    by_village = len(grids) > LABEL_LIMIT
    if not by_village:
        widths = sorted((shape.bbox()[2] - shape.bbox()[0]) * unit for _profile, shape in shapes)
        font = max(8.0, min(18.0, widths[len(widths) // 2] / 5))
        return [MapLabel(g.label_x, g.label_y, g.name) for g in grids], round(font, 1), False
    groups: dict[int, list[MapGrid]] = {}
    names: dict[int, str] = {}
    for (profile, _shape), grid in zip(shapes, grids, strict=True):
        groups.setdefault(profile.village_id, []).append(grid)
        names[profile.village_id] = profile.village.local_name
    labels = [
        MapLabel(
            round(sum(g.label_x for g in members) / len(members), 1),
            round(sum(g.label_y for g in members) / len(members), 1),
            names[village_id],
        )
        for village_id, members in groups.items()
    ]
    return labels, 10.0, True
