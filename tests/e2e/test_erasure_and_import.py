"""An erased number is never re-imported without fresh consent, also through the bulk path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gateway.core.consent import Business, Capture
from tests.imports.helpers import row, write_csv


def test_bulk_import_refuses_an_erased_number_and_keeps_the_rest(
        gw: Any, business: Business, tmp_path: Path) -> None:
    gw.service.capture(Capture(business=business.slug, phone="090-1234-5678", channel="api",
                               method="api", topics=("offers",), wording_kind="api"), business)
    gw.proof.erase(business, "090-1234-5678", actor="test")
    before = gw.store.count_events(business.id)
    path = write_csv(tmp_path / "paper.csv", [row("090-1234-5678", ref="F-1"),
                                                row("090-2222-3333", ref="F-2")])
    job = gw.imports.run(gw.imports.create_job(business, path, source="cli", actor="test").id)
    assert (job.recorded, job.failed) == (1, 1)
    [error] = list(gw.imports.jobs.iter_errors(job.id))
    assert "suppressed_after_erasure" in repr(error)
    assert gw.store.count_events(business.id) == before + 1
    assert not gw.service.eligibility(business, "090-1234-5678", "offers").allowed
    assert gw.service.eligibility(business, "090-2222-3333", "offers").allowed
    assert gw.proof.verify(business.slug).ok
