"""Property-based contract fuzzing of every API operation, generated from the gateway's own
OpenAPI document by Schemathesis: valid inputs, and invalid ones (wrong types, unknown
fields, over-long and odd strings). No input may answer 5xx, and the ledger must verify
afterwards (nothing half-written).

``FUZZ_EXAMPLES`` sets the examples per operation and mode (CI runs a bounded number; a
longer run is ``bench/fuzz.py``)."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from typing import Any

import pytest
import schemathesis
from flask import Blueprint, Flask
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from gateway.areas import AREAS
from gateway.core.consent import Business
from gateway.openapi import spec

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
SIGNING_KEY = base64.b64encode(hashlib.sha256(b"fuzzing ledger key").digest()).decode()


class _Paths:
    """Collects the areas' OpenAPI paths, as create_app does, without building an app."""

    def __init__(self) -> None:
        self.paths: dict[str, Any] = {}

    def blueprint(self, bp: Blueprint, *, openapi: Mapping[str, Any] | None = None,
                  csrf: bool = True) -> None:
        self.paths.update(openapi or {})

    def commands(self, *commands: Any) -> None:
        """Not needed here."""


def _cases() -> list[tuple[str, GenerationMode]]:
    """(operation, mode): invalid inputs only where an operation takes any input."""
    collected = _Paths()
    for area in AREAS:
        area.register(collected)
    cases = []
    for path, item in spec(collected.paths)["paths"].items():
        for method, operation in item.items():
            label = f"{method.upper()} {path}"
            cases.append((label, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody") or "{" in path:
                cases.append((label, GenerationMode.NEGATIVE))
    return cases


CASES = _cases()


@schemathesis.serializer("application/x-ndjson")
def _ndjson(_ctx: Any, value: Any) -> bytes:
    """The batch eligibility body: one number per line."""
    lines = value if isinstance(value, list) else [value]
    return "\n".join(str(v) for v in lines).encode()


@pytest.fixture
def app_config(app_config: dict[str, Any]) -> dict[str, Any]:
    """As deployed: a ledger signing key (without one, the key's endpoints answer 503)."""
    return {**app_config, "LEDGER_SIGNING_KEY": SIGNING_KEY}


def test_every_operation_is_fuzzed() -> None:
    labels = {label for label, _ in CASES}
    assert len(labels) >= 25 and "POST /consents" in labels


@pytest.mark.parametrize(("label", "mode"), CASES, ids=[f"{o}-{m.value}" for o, m in CASES])
def test_no_input_is_a_server_error(label: str, mode: GenerationMode, app: Flask,
                                    business: Business, auth: dict[str, str],
                                    gw: Any) -> None:
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app) \
        .find_operation_by_label(label)
    assert operation is not None, label

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        response = case.call(headers=auth)
        case.validate_response(response, checks=[not_a_server_error])

    run()
    assert gw.store.verify().ok
