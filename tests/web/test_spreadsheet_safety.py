"""A name typed into the public form cannot run as a formula in the staff's spreadsheets:
state exports and import error reports neutralise it, and the export imports back as
typed (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from gateway.core.consent import Business
from gateway.imports.exports import cell
from tests.imports.helpers import row, write_csv
from tests.web.conftest import FormClient

EVIL = '=HYPERLINK("http://evil.example","x")'


@pytest.mark.parametrize(("value", "safe"), [
    (EVIL, "'" + EVIL), ("+SUM(1)", "'+SUM(1)"), ("-1+2", "'-1+2"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("+819012345678", "+819012345678"), ("-12", "-12"),
    ("山田", "山田"), ("", ""), (None, ""),
])
def test_cells_that_start_a_formula_are_neutralised(value: Any, safe: str) -> None:
    assert cell(value) == safe


def rows_of(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_a_formula_name_from_the_public_form_is_inert_in_exports(
        optin_form: FormClient, client: FlaskClient, auth: dict[str, str], gw: Any,
        business: Business, tmp_path: Path) -> None:
    res = optin_form.submit({"phone": "090-1234-5678", "topics": ["offers"], "name": EVIL})
    assert res.status_code == 200
    export = client.get("/api/v1/exports/state.csv", headers=auth)
    (header, line) = rows_of(export.data)
    assert line[header.index("name")] == "'" + EVIL
    # The export imports back with the name as typed, not with the apostrophe.
    path = tmp_path / "state.csv"
    path.write_bytes(export.data)
    job = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="t").id)
    assert (job.failed, job.recorded) == (0, 1)
    state = gw.store.contact_state(business.id, gw.service.ref(business, "+819012345678"))
    assert state.name == EVIL


def test_import_error_reports_are_inert_too(client: FlaskClient, auth: dict[str, str],
                                           gw: Any, business: Business,
                                           tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [row("=1+1", "offers", name=EVIL)])
    job = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="t").id)
    report = client.get(f"/api/v1/imports/{job.id}/errors.csv", headers=auth)
    lines = rows_of(report.data)
    assert all(not c.startswith(("=", "+", "@")) for line in lines for c in line)
    assert "'" + EVIL in lines[1] and "'=1+1" in lines[1]
