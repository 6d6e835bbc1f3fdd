"""The instrument of issue 18 (bench/ratios.py) keeps working: its in-process part, on a
tiny dataset grown by the same generator, produces every target's row with a verdict.
Timings are not asserted: performance targets live in the benchmark."""

from __future__ import annotations

import os
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_ratios_in_process_give_every_row_a_verdict(settings: Any) -> None:
    # Imported here, not at collection: the bench's modules set its environment defaults
    # (log level, debug, API rates) on import, which later tests' subprocesses would inherit.
    saved = dict(os.environ)
    try:
        from bench import ratios
        from bench.generate import generate
    finally:
        os.environ.clear()
        os.environ.update(saved)
    settings.DEBUG = False
    generate(12, 60, vacuum=False)
    bench = ratios.bench_context()
    small = ratios.growth_costs(bench, rounds=1, calls=1)
    generate(12, 60, vacuum=False)
    large = ratios.growth_costs(bench, rounds=1, calls=1)
    assert large["cases"] == small["cases"] + 60
    # The generator writes the copies a case carries as opening would.
    from vigie.cases.models import Case

    copied = ("detected_at", "submitted_at", "incident_type_id", "malicious")
    for case in Case.objects.select_related("declaration", "structure"):
        assert [getattr(case, name) for name in copied] == [
            getattr(case.declaration, name) for name in copied
        ]
        assert case.structure_kind == case.structure.kind

    rows = ratios.inprocess_rows(bench, rounds=1, calls=1)
    rows += ratios.growth_rows(small, large)
    report, notes = ratios.report_rows(bench, repeat=1)
    rows += report + ratios.peer_rows(bench)
    text = ratios.write_report(rows, notes, small, large)

    verdicts = {row.key: row.verdict for row in rows}
    targets = ["session floor", "layout", "GET", "POST", "POST queries", "case page"]
    targets += [f"growth: {name}" for name in ratios.page_paths(bench)]
    targets += ["growth: similar-case lookup", "report figures"]
    targets += ["peers: count", "peers: search", "peers: statistics"]
    for target in targets:
        assert verdicts.get(target) in ("PASS", "MISS"), (target, verdicts)
    assert {"F_session", "F_drf", "report PDF"} <= set(verdicts)
    assert "growth: action plan, regional view (/plan-action/region/<code>/)" in verdicts
    assert "By phase" in notes[0] and "layout" in notes[0]
    assert "| F_session" in text and "## Method" in text
