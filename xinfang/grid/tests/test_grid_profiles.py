"""Grid boundaries (GRID-01, GRID-02): valid GeoJSON polygons only, no overlap with a neighbour."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from xinfang.audit.models import AuditEvent
from xinfang.grid.geometry import overlap_m2, shape_from_geojson
from xinfang.grid.models import GridProfile
from xinfang.grid.services import grid_at_point, grid_profile_save
from xinfang.grid.states import Layer

from .conftest import GridWorld, square

pytestmark = pytest.mark.django_db
LAYERS = [Layer.GOVERNANCE]


def polygon(*points: tuple[float, float]) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


def save(gw: GridWorld, boundary: dict, grid=None) -> GridProfile:
    return grid_profile_save(actor=gw.admin, grid=grid or gw.mini.grid_a1_2, boundary=boundary, layers=LAYERS)


def error_of(gw: GridWorld, boundary: dict) -> str:
    with pytest.raises(ValidationError) as caught:
        save(gw, boundary)
    return " ".join(caught.value.message_dict["boundary"])


class GridProfileTests:
    def test_grid_01_a_valid_polygon_is_saved_with_its_layers_village_and_audit(self, gw):
        profile = GridProfile.objects.get(organisation=gw.mini.grid_a1_1)
        assert profile.village == gw.mini.village_a1
        assert profile.layers == [Layer.PARTY_BUILDING, Layer.GOVERNANCE, Layer.SERVICE]
        assert profile.boundary["type"] == "Polygon"
        assert (profile.min_lon, profile.max_lat) == (113.50, pytest.approx(22.71))
        assert AuditEvent.objects.filter(action="grid.profile_create", org_id=gw.mini.grid_a1_1.pk).exists()

    def test_grid_01_a_ring_that_does_not_close_is_refused(self, gw):
        message = error_of(gw, polygon((113.51, 22.70), (113.52, 22.70), (113.52, 22.71), (113.51, 22.71)))
        assert "没有闭合" in message

    def test_grid_01_a_ring_with_too_few_points_is_refused(self, gw):
        message = error_of(gw, polygon((113.51, 22.70), (113.52, 22.70), (113.51, 22.70)))
        assert "至少需要 4 个点" in message

    def test_grid_01_a_self_intersecting_ring_is_refused(self, gw):
        bow_tie = polygon((113.51, 22.70), (113.53, 22.72), (113.53, 22.70), (113.51, 22.71), (113.51, 22.70))
        assert "自相交" in error_of(gw, bow_tie)

    def test_grid_01_coordinates_out_of_range_are_refused(self, gw):
        message = error_of(gw, polygon((113.51, 22.70), (213.0, 22.70), (113.52, 95.0), (113.51, 22.70)))
        assert "超出范围" in message

    def test_grid_01_other_geometry_types_and_garbage_are_refused(self, gw):
        assert "Polygon" in error_of(gw, {"type": "Point", "coordinates": [113.5, 22.7]})
        assert "GeoJSON" in error_of(gw, {"type": "Polygon", "coordinates": "nonsense"})
        not_a_number = polygon((113.51, 22.70), ("x", 22.70), (113.52, 22.71), (113.51, 22.70))  # type: ignore[arg-type]
        assert "数字" in error_of(gw, not_a_number)

    def test_grid_02_overlapping_a_neighbour_is_refused_and_nothing_changes(self, gw):
        before = GridProfile.objects.get(organisation=gw.mini.grid_a1_2).boundary
        message = error_of(gw, square(113.505, 22.70))  # half over grid A1-1
        assert "甲一村第1网格" in message and "重叠" in message
        assert GridProfile.objects.get(organisation=gw.mini.grid_a1_2).boundary == before

    def test_grid_02_sharing_a_border_or_slight_slack_is_accepted(self, gw):
        save(gw, square(113.51, 22.70))  # shares its western edge with A1-1
        save(gw, square(113.50995, 22.70))  # 0.5 % of the area over the border: digitising slack

    def test_overlap_is_exact_for_nested_and_crossing_squares(self):
        big = shape_from_geojson(square(0.0, 0.0, 0.01))
        quarter = shape_from_geojson(square(0.005, 0.005, 0.01))
        inner = shape_from_geojson(square(0.0, 0.0, 0.005))  # shares two edges with `big`
        from xinfang.grid.geometry import area_m2

        assert overlap_m2(big, quarter) == pytest.approx(area_m2(big) / 4, rel=1e-3)
        assert overlap_m2(big, inner) == pytest.approx(area_m2(inner), rel=1e-3)
        assert overlap_m2(inner, big) == pytest.approx(area_m2(inner), rel=1e-3)

    def test_grid_02_a_border_rounded_to_six_decimals_is_not_an_overlap(self):
        # Two strips of neighbouring villages: the shared border runs through rounded points.
        north = shape_from_geojson(
            polygon(
                (113.442513, 22.631781),
                (113.445679, 22.631693),
                (113.445065, 22.640341),
                (113.443944, 22.648988),
                (113.44096, 22.648206),
                (113.441849, 22.639994),
                (113.442513, 22.631781),
            )
        )
        south = shape_from_geojson(
            polygon(
                (113.4445, 22.62),
                (113.448, 22.62),
                (113.448423, 22.625803),
                (113.448845, 22.631606),
                (113.444887, 22.631715),
                (113.444967, 22.625858),
                (113.4445, 22.62),
            )
        )
        assert overlap_m2(north, south) < 100  # of grids of some 500,000 m²

    def test_a_point_is_found_in_its_grid(self, gw):
        assert grid_at_point(113.505, 22.705) == gw.mini.grid_a1_1
        assert grid_at_point(113.535, 22.705) == gw.mini.grid_b1_1
        assert grid_at_point(113.60, 22.705) is None

    def test_only_grids_take_a_boundary_and_only_org_managers_set_it(self, gw):
        with pytest.raises(ValidationError):
            save(gw, square(113.60, 22.70), grid=gw.mini.village_a1)
        with pytest.raises(PermissionDenied):
            grid_profile_save(
                actor=gw.village_head, grid=gw.mini.grid_a1_2, boundary=square(113.51, 22.7), layers=LAYERS
            )

    def test_at_least_one_known_layer(self, gw):
        with pytest.raises(ValidationError) as caught:
            grid_profile_save(actor=gw.admin, grid=gw.mini.grid_a1_2, boundary=square(113.51, 22.7), layers=["x"])
        assert "layers" in caught.value.message_dict
