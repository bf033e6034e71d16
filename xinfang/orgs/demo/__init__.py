"""The demo district: a synthetic district modelled on the structure of Guangzhou's Nansha district
(external province and city bodies, the district's departments, 9 towns and streets, 150 villages
and communities, their grids, reception points and staff for every role), loaded by
`python manage.py demo_district`. See docs/demo.md."""

from .data import DEMO_PASSWORD, DISTRICT_CODE
from .loader import DemoLoadResult, DemoRefusedError, demo_district_load
from .plan import DemoPlan, demo_plan

__all__ = [
    "DEMO_PASSWORD",
    "DISTRICT_CODE",
    "DemoLoadResult",
    "DemoPlan",
    "DemoRefusedError",
    "demo_district_load",
    "demo_plan",
]
