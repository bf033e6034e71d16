"""Plain-Python geometry for grid boundaries (GeoJSON Polygon / MultiPolygon in WGS84 lon/lat).

Small and exact enough for grids of a district: no GEOS, no projection library. Areas are computed
in a local equirectangular projection (metres), which is accurate to well under 1 % over a
district. The overlap of two boundaries is computed exactly with Green's theorem: the boundary of
A ∩ B is the part of A's boundary inside B plus the part of B's boundary inside A."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

Point = tuple[float, float]
Ring = list[Point]

MAX_POINTS = 2000  # per boundary: the self-intersection check is quadratic
EPS = 1e-12


class GeometryError(ValueError):
    """A boundary that cannot be accepted; `code` names the reason (messages live in the service)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Shape:
    """A validated boundary: its polygons, each a list of rings (outer first, then holes)."""

    polygons: list[list[Ring]]

    @property
    def rings(self) -> list[Ring]:
        return [ring for polygon in self.polygons for ring in polygon]

    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for ring in self.rings for p in ring]
        ys = [p[1] for ring in self.rings for p in ring]
        return min(xs), min(ys), max(xs), max(ys)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GeometryError("coordinate")
    number = float(value)
    if not math.isfinite(number):
        raise GeometryError("coordinate")
    return number


def _ring(raw: Any, index: int) -> Ring:
    if not isinstance(raw, list):
        raise GeometryError("structure")
    points: Ring = []
    for position in raw:
        if not isinstance(position, list | tuple) or len(position) < 2:
            raise GeometryError("structure")
        lon, lat = _number(position[0]), _number(position[1])
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            raise GeometryError("range", ring=index + 1, lon=lon, lat=lat)
        points.append((lon, lat))
    if len(points) < 4:
        raise GeometryError("too_few", ring=index + 1, count=len(points))
    if points[0] != points[-1]:
        raise GeometryError("not_closed", ring=index + 1)
    if len(set(points[:-1])) < 3 or abs(signed_area(points)) < EPS:
        raise GeometryError("degenerate", ring=index + 1)
    return points


def shape_from_geojson(geometry: Any) -> Shape:
    """Parse and validate a GeoJSON geometry (a bare geometry, or a Feature holding one): a Polygon
    or MultiPolygon whose rings close, have at least 4 positions, lie within lon/lat range and do
    not cross themselves or each other. Raises GeometryError."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict):
        raise GeometryError("structure")
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    raw_polygons: Any
    if kind == "Polygon":
        raw_polygons = [coordinates]
    elif kind == "MultiPolygon":
        raw_polygons = coordinates
    else:
        raise GeometryError("type")
    if not isinstance(raw_polygons, list) or not raw_polygons:
        raise GeometryError("structure")
    polygons: list[list[Ring]] = []
    index = 0
    for raw_polygon in raw_polygons:
        if not isinstance(raw_polygon, list) or not raw_polygon:
            raise GeometryError("structure")
        rings = []
        for raw_ring in raw_polygon:
            rings.append(_ring(raw_ring, index))
            index += 1
        polygons.append(rings)
    shape = Shape(polygons)
    if sum(len(ring) for ring in shape.rings) > MAX_POINTS:
        raise GeometryError("too_many", max=MAX_POINTS)
    _check_simple(shape)
    return shape


# --- Segments ------------------------------------------------------------------------------------


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point) -> bool:
    return (
        min(a[0], b[0]) - EPS <= p[0] <= max(a[0], b[0]) + EPS
        and min(a[1], b[1]) - EPS <= p[1] <= max(a[1], b[1]) + EPS
    )


def segments_intersect(p1: Point, p2: Point, p3: Point, p4: Point) -> bool:
    """Do the closed segments p1p2 and p3p4 share a point?"""
    d1, d2 = _cross(p3, p4, p1), _cross(p3, p4, p2)
    d3, d4 = _cross(p1, p2, p3), _cross(p1, p2, p4)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (abs(d1) <= EPS and _on_segment(p1, p3, p4))
        or (abs(d2) <= EPS and _on_segment(p2, p3, p4))
        or (abs(d3) <= EPS and _on_segment(p3, p1, p2))
        or (abs(d4) <= EPS and _on_segment(p4, p1, p2))
    )


def _edges(ring: Ring) -> list[tuple[Point, Point]]:
    return [(ring[i], ring[i + 1]) for i in range(len(ring) - 1)]


def _check_simple(shape: Shape) -> None:
    """No ring crosses itself (non-adjacent edges share no point) and no two rings cross."""
    rings = shape.rings
    for number, ring in enumerate(rings, start=1):
        edges = _edges(ring)
        count = len(edges)
        for i in range(count):
            a1, a2 = edges[i]
            for j in range(i + 1, count):
                if j == i + 1 or (i == 0 and j == count - 1):
                    continue  # neighbours share their common vertex
                b1, b2 = edges[j]
                if segments_intersect(a1, a2, b1, b2):
                    raise GeometryError("self_intersection", ring=number)
    for i in range(len(rings)):
        for j in range(i + 1, len(rings)):
            for a1, a2 in _edges(rings[i]):
                for b1, b2 in _edges(rings[j]):
                    if segments_intersect(a1, a2, b1, b2):
                        raise GeometryError("rings_cross", ring=i + 1, other=j + 1)


# --- Areas, containment, overlap -----------------------------------------------------------------


def signed_area(ring: Sequence[Point]) -> float:
    """Shoelace area (positive when counter-clockwise), in the ring's own units."""
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)) / 2.0


def _projector(lat0: float, origin: Point = (0.0, 0.0)) -> Any:
    """Lon/lat to metres east and north of `origin` (small numbers keep the sums exact)."""
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = 110_540.0

    def project(p: Point) -> Point:
        return (p[0] - origin[0]) * kx, (p[1] - origin[1]) * ky

    return project


def _oriented(shape: Shape, project: Any) -> list[Ring]:
    """Rings in metres, outer rings counter-clockwise and holes clockwise."""
    result = []
    for polygon in shape.polygons:
        for index, ring in enumerate(polygon):
            projected = [project(p) for p in ring]
            ccw = signed_area(projected) > 0
            if ccw != (index == 0):
                projected.reverse()
            result.append(projected)
    return result


def _inside(p: Point, rings: Iterable[Ring]) -> bool:
    """Even-odd point in polygon over all rings (holes subtract)."""
    x, y = p
    inside = False
    for ring in rings:
        for (x1, y1), (x2, y2) in _edges(ring):
            if (y1 > y) != (y2 > y):
                xs = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
                if xs > x:
                    inside = not inside
    return inside


def point_in_shape(shape: Shape, lon: float, lat: float) -> bool:
    """Is the point inside the boundary (or on it)?"""
    point = (lon, lat)
    for ring in shape.rings:
        for a, b in _edges(ring):
            if abs(_cross(a, b, point)) <= 1e-14 and _on_segment(point, a, b):
                return True
    return _inside(point, shape.rings)


def area_m2(shape: Shape) -> float:
    min_lon, min_lat, _max_lon, max_lat = shape.bbox()
    project = _projector((min_lat + max_lat) / 2, (min_lon, min_lat))
    return sum(signed_area(ring) for ring in _oriented(shape, project))


ON_BOUNDARY_M = 0.5  # a piece of edge this close to the other boundary runs along it (rounding slack)


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    if length2 == 0:
        return math.dist(p, a)
    t = max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.dist(p, (a[0] + t * dx, a[1] + t * dy))


def _boundary_edge(p: Point, q: Point, rings: list[Ring]) -> tuple[Point, Point] | None:
    """The edge of `rings` that the segment pq runs along (both ends and the middle within
    ON_BOUNDARY_M metres of it), if any."""
    mid = ((p[0] + q[0]) / 2, (p[1] + q[1]) / 2)
    for ring in rings:
        for a, b in _edges(ring):
            if all(_distance_to_segment(point, a, b) <= ON_BOUNDARY_M for point in (mid, p, q)):
                return a, b
    return None


def _split(a: Point, b: Point, others: list[Ring]) -> list[Point]:
    """The points where segment ab meets the edges of `others`, sorted along ab (ends included)."""
    ts = [0.0, 1.0]
    dx, dy = b[0] - a[0], b[1] - a[1]
    for ring in others:
        for c, d in _edges(ring):
            ex, ey = d[0] - c[0], d[1] - c[1]
            denom = dx * ey - dy * ex
            if abs(denom) > EPS:
                t = ((c[0] - a[0]) * ey - (c[1] - a[1]) * ex) / denom
                u = ((c[0] - a[0]) * dy - (c[1] - a[1]) * dx) / denom
                if -EPS <= t <= 1 + EPS and -EPS <= u <= 1 + EPS:
                    ts.append(min(1.0, max(0.0, t)))
            else:  # parallel: collinear overlaps split at the other edge's ends
                length2 = dx * dx + dy * dy
                for p in (c, d):
                    if abs(_cross(a, b, p)) <= EPS * max(1.0, length2):
                        t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2
                        if 0 < t < 1:
                            ts.append(t)
    ts.sort()
    return [(a[0] + t * dx, a[1] + t * dy) for t in ts]


def _contribution(own: list[Ring], others: list[Ring], *, count_shared: bool) -> float:
    total = 0.0
    for ring in own:
        for a, b in _edges(ring):
            points = _split(a, b, others)
            for p, q in itertools.pairwise(points):
                if math.dist(p, q) <= 1e-9:
                    continue
                shared = _boundary_edge(p, q, others)
                if shared is not None:
                    # Along a common edge: counted once (from A), and only where both run the same
                    # way (one inside the other); adjacent grids run opposite ways and touch only.
                    same_way = (q[0] - p[0]) * (shared[1][0] - shared[0][0]) + (q[1] - p[1]) * (
                        shared[1][1] - shared[0][1]
                    ) > 0
                    if not (count_shared and same_way):
                        continue
                elif not _inside(((p[0] + q[0]) / 2, (p[1] + q[1]) / 2), others):
                    continue
                total += p[0] * q[1] - q[0] * p[1]
    return total


def overlap_m2(first: Shape, second: Shape) -> float:
    """The area (m²) the two boundaries have in common; 0 when they only touch."""
    a1, b1, c1, d1 = first.bbox()
    a2, b2, c2, d2 = second.bbox()
    if a1 > c2 or a2 > c1 or b1 > d2 or b2 > d1:
        return 0.0
    project = _projector((b1 + d1 + b2 + d2) / 4, (min(a1, a2), min(b1, b2)))
    rings_a, rings_b = _oriented(first, project), _oriented(second, project)
    twice = _contribution(rings_a, rings_b, count_shared=True) + _contribution(rings_b, rings_a, count_shared=False)
    return max(0.0, twice / 2.0)


def shape_to_geojson(shape: Shape) -> dict[str, Any]:
    """The normalised geometry that is stored (Polygon when there is one part)."""
    if len(shape.polygons) == 1:
        return {"type": "Polygon", "coordinates": [[list(p) for p in ring] for ring in shape.polygons[0]]}
    return {
        "type": "MultiPolygon",
        "coordinates": [[[list(p) for p in ring] for ring in polygon] for polygon in shape.polygons],
    }
