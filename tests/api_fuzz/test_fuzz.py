"""Schemathesis over every operation of the API schema, as a privileged caller (system
administrator and bureau head of the district) and as an unprivileged one (a reception clerk of one
village), each with a knox token: no answer may be a server error, and every answer must match
the schema — status code, content type, headers and body (all built-in checks of
`case.call_and_validate`), the 400/401/403/404/409/412 error bodies included. Schema-invalid
requests must be refused; schema-valid ones may be refused only by a business rule, never by
field validation (`checks.py`, in place of the built-in `positive_data_acceptance`).

Examples per operation: `conftest.fuzz_examples()` (8 in CI; XINFANG_FUZZ_EXAMPLES=N for more)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from .checks import schema_valid_requests_pass_field_validation
from .conftest import FuzzWorld, fuzz_examples, load_schema, rolled_back

pytestmark = [pytest.mark.fuzz]

schema = load_schema()


@pytest.fixture(params=["privileged", "clerk"])
def caller(request: pytest.FixtureRequest, fuzz_world: FuzzWorld, db: None, in_process: None) -> str:
    """The token of the caller this run uses."""
    return str(fuzz_world.tokens[request.param])


@settings(
    max_examples=fuzz_examples(),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@schema.parametrize()
def test_every_operation_conforms(case: Any, caller: str) -> None:
    with rolled_back():
        case.call_and_validate(
            headers={"Authorization": f"Token {caller}"},
            additional_checks=[schema_valid_requests_pass_field_validation],
            excluded_checks=[positive_data_acceptance],
        )
