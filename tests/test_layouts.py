"""The sample carriers' profiles: every sample is identified by exactly one layout, matches the
generator's truth, and yields the same text as its golden file."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import SAMPLE_PROFILES, SAMPLES, assert_golden, sample_importers
from golden import render, truth_summary

from analyzer.importers import ImportOptions, identify
from analyzer.importers.profile import load_profile

TABULAR = sorted(
    p.name
    for p in SAMPLES.iterdir()
    if p.suffix in (".csv", ".xlsx") and (SAMPLES / "truth" / f"{p.name}.json").exists()
)
LAYOUT_OF = {
    "cu_conecta_caribe.xlsx": "conecta_xlsx",
    "cn_yunyou_esim.csv": "yunyou_csv",
    "us_meridian_wireless_usage_2026-10-10_2026-10-25.csv": "meridian_csv",
    "us_keystone_fleet_2026-08_2026-10.csv": "keystone_csv",
    "travel_wayfarer_esim_export1.csv": "wayfarer_csv",
    "travel_wayfarer_esim_export2.csv": "wayfarer_csv",
    "travel_wayfarer_esim_2026-07.csv": "wayfarer_csv",
    "au_southern_cross_2026-10.csv": "southern_cross_csv",
}
IMPORTERS = sample_importers()


def extract(name: str):
    path = SAMPLES / name
    return identify(path, IMPORTERS).extract(path, ImportOptions())


def test_each_sample_profile_keeps_its_file_name_as_the_importer_name() -> None:
    # Databases and golden files name the importer; a renamed profile would orphan them.
    found = {p.stem: load_profile(p).name for p in SAMPLE_PROFILES.glob("*.toml")}
    assert found == {name: name for name in (*set(LAYOUT_OF.values()), "lagon_pdf", "meridian_pdf")}


def test_every_tabular_sample_has_a_layout() -> None:
    assert sorted(LAYOUT_OF) == TABULAR


@pytest.mark.parametrize("name", TABULAR)
def test_sample_is_identified_by_its_layout_only(name: str) -> None:
    claims = [i.name for i in IMPORTERS if i.identify(SAMPLES / name)]
    assert claims == [LAYOUT_OF[name]]


def test_nothing_else_in_the_corpus_is_identified() -> None:
    others = [
        p for p in SAMPLES.iterdir() if p.suffix in (".csv", ".xlsx") and p.name not in LAYOUT_OF
    ]
    assert others, "expected_findings.csv at least"
    for path in others:
        assert not [i.name for i in IMPORTERS if i.identify(path)], path.name


@pytest.mark.parametrize("name", TABULAR)
def test_sample_matches_truth(name: str) -> None:
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    extracted = extract(name)
    summary = truth_summary(extracted)
    assert sorted(summary) == sorted(truth["lines"])
    for line, expected in truth["lines"].items():
        got = summary[line]
        for key in (
            "events",
            "by_kind",
            "data_bytes",
            "transfer_bytes",
            "voice_seconds",
            "sms_count",
        ):
            assert got[key] == expected[key], (line, key)
        # The truth signs money as we do (positive = charged), whatever the file prints.
        for currency, money in expected["amounts"].items():
            wanted = {k: Decimal(v) for k, v in money.items()}
            found = {k: Decimal(v) for k, v in got["amounts"].get(currency, {}).items()}
            assert found == wanted, (line, currency)
        assert set(got["amounts"]) == set(expected["amounts"])
    facts = truth["statement"]
    first, last = extracted.statements[0], extracted.statements[-1]
    assert first.carrier == facts["carrier"]
    lines = sorted({ln for s in extracted.statements for ln in s.lines})
    assert lines == facts["lines"]
    assert str(first.period_start) == facts["period_start"]
    assert (
        str(last.period_end if len(extracted.statements) > 1 else first.period_end)
        == facts["period_end"]
    )
    as_of = first.as_of.isoformat() if first.as_of else None
    assert as_of == facts["as_of"]
    if "plan_name" in facts:
        assert first.plan_name == facts["plan_name"]
    if "currency" in facts:
        assert {s.currency for s in extracted.statements} == {facts["currency"]}


def test_fleet_statements_per_period_with_printed_totals_and_usage_totals() -> None:
    name = "us_keystone_fleet_2026-08_2026-10.csv"
    truth = json.loads((SAMPLES / "truth" / f"{name}.json").read_text(encoding="utf-8"))
    extracted = extract(name)
    periods = [
        {
            "period_start": str(s.period_start),
            "period_end": str(s.period_end),
            "total": str(s.total_due),
        }
        for s in extracted.statements
    ]
    assert periods == [
        {**p, "total": str(Decimal(p["total"]).quantize(Decimal("0.0001")))}
        for p in truth["statement"]["periods"]
    ]
    assert {s.extra["file_total"] for s in extracted.statements} == {"4988.2300"}
    totals: dict[str, dict[str, int]] = {}
    for statement in extracted.statements:
        for line, figures in json.loads(statement.extra["usage_totals"]).items():
            entry = totals.setdefault(line, {"data_bytes": 0, "minutes": 0, "messages": 0})
            entry["data_bytes"] += int(Decimal(figures["data_bytes"]))
            entry["minutes"] += int(Decimal(figures["voice_seconds"])) // 60
            entry["messages"] += int(Decimal(figures["messages"]))
    for line, expected in truth["usage_totals"].items():
        got = totals[line]
        assert got["minutes"] == expected["minutes"]
        assert got["messages"] == expected["messages"]
        # Each month's GB is rounded to the byte on its own: within a few bytes of the truth.
        assert abs(got["data_bytes"] - expected["data_bytes"]) <= 3, line
    counts = extracted.counts()
    assert counts["event_rows"] + counts["rejects"] + counts["skipped"] == counts["rows_read"]
    assert (counts["rows_read"], counts["skipped"]) == (76, 1)


def test_conecta_statement_facts_come_from_the_resumen_sheet() -> None:
    statement = extract("cu_conecta_caribe.xlsx").statements[0]
    assert statement.allowance_bytes == 8 * 1024**3
    assert statement.extra["plan_valid_until"] == "14/08/2026 12:55"
    assert statement.extra["balance_cup"] == "1067.12"
    assert statement.extra["balance_usd"] == "5"


def test_yunyou_transfer_is_a_transfer_to_the_other_line() -> None:
    events = extract("cn_yunyou_esim.csv").events.to_pylist()
    [transfer] = [e for e in events if e["kind"] == "transfer"]
    assert (transfer["quantity"], transfer["unit"], transfer["direction"]) == (
        1073741824,
        "bytes",
        "out",
    )
    assert transfer["counterparty_e164"] == "+8613291459600"
    topups = [e["amount"] for e in events if e["kind"] == "topup"]
    assert topups == [Decimal("-100"), Decimal("-200"), Decimal("-100")]


def test_wayfarer_keeps_local_wall_time_and_drops_the_offset() -> None:
    first = extract("travel_wayfarer_esim_export1.csv").events.to_pylist()[0]
    assert first["started_at"].isoformat() == "2026-05-01T06:31:28"


@pytest.mark.parametrize("name", TABULAR)
def test_golden(name: str, update_golden: bool) -> None:
    assert_golden(render(extract(name)), SAMPLES / f"{name}.expected", update_golden)
