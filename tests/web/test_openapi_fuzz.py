"""schemathesis against the OpenAPI document: a handful of generated requests per operation, signed
in as an admin, and not one answer is a server error (nor breaks the documented response schema).

The operations are walked by hand (schemathesis' pytest plugin does not load with this pytest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from tests.web.conftest import make_site

EXAMPLES = 6


def test_no_operation_answers_a_server_error(tmp_path: Path) -> None:
    site = make_site(tmp_path / "ws")
    headers = {"Authorization": f"Bearer {site.tokens['admin']}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", site.app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        try:
            check()
        except Exception as exc:
            raise AssertionError(f"{operation.method.upper()} {operation.path}: {exc}") from exc
    site.workspace.store.dispose()
