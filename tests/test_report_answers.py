"""The report on the sample corpus as the real pipeline builds it: one set of numbers, the
answers first, every line reachable, masked everywhere, and where it came from."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from html import escape, unescape
from pathlib import Path

import pytest
from conftest import SAMPLES

from analyzer.api import analyse, import_paths
from analyzer.report import build
from analyzer.store import open_db

MIB = 1024**2


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus imported and audited once per test session."""
    db = tmp_path_factory.mktemp("sample") / "samples.duckdb"
    import_paths(db, [SAMPLES])
    analyse(db, folder=SAMPLES)
    return db


@pytest.fixture(scope="session")
def sample_report(sample_db: Path):
    con = open_db(sample_db, read_only=True)
    try:
        yield build(con)
    finally:
        con.close()


def _daily_bytes(data) -> dict[str, float]:
    spec = data.charts["daily_data"]
    rows = max(spec["datasets"].values(), key=len)
    totals: dict[str, float] = {}
    for row in rows:
        if "mb" in row:
            totals[row["line"]] = totals.get(row["line"], 0.0) + row["mb"] * MIB
    return totals


def test_summary_month_over_month_and_daily_chart_agree(sample_report) -> None:
    data = sample_report
    months: dict[str, int] = {}
    for m in data.tables["month_over_month"]:
        months[m["line"]] = months.get(m["line"], 0) + m["data_bytes"]
    daily = _daily_bytes(data)
    recorded = {key: f["data_bytes"] for key, f in data.figures.items() if f["data_bytes"]}
    assert recorded and set(recorded) == {k for k, v in months.items() if v}
    for key, value in recorded.items():
        assert months[key] == value, key
        # The chart carries MiB rounded to 2 decimals per day.
        assert abs(daily[key] - value) <= 0.005 * MIB * 400, key
    assert data.summary["data_bytes"] == sum(recorded.values()) == sum(months.values())
    assert abs(sum(daily.values()) - data.summary["data_bytes"]) < 0.005 * MIB * 2000


def test_recorded_and_stated_usage_are_two_figures(sample_report, sample_db: Path) -> None:
    con = open_db(sample_db, read_only=True)
    try:
        stated = con.sql("SELECT sum(data_bytes) FROM stated_usage").fetchall()[0][0]
        recorded = con.sql("SELECT sum(quantity) FROM usage WHERE kind = 'data'").fetchall()[0][0]
    finally:
        con.close()
    assert sample_report.summary["stated_bytes"] == int(stated)
    assert sample_report.summary["data_bytes"] == int(recorded)
    assert sample_report.summary["data"] == "259.8 GiB"
    assert sample_report.summary["stated"] == "764.6 GiB"


def test_month_over_month_compares_like_with_like(sample_report) -> None:
    rows = sample_report.tables["month_over_month"]
    wayfarer = [m["month"] for m in rows if m["line"] == "Wayfarer eSIM (Oceania trip)"]
    assert "2026-05" in wayfarer and "2026-06" in wayfarer
    seen: dict[tuple[str, str], str] = {}
    for m in rows:
        if m["change"]:
            before = seen[(m["line"], m["currency"])]
            year, month = int(m["month"][:4]), int(m["month"][5:])
            assert before == (f"{year}-{month - 1:02d}" if month > 1 else f"{year - 1}-12")
        if m["spend"]:
            seen[(m["line"], m["currency"])] = m["month"]
    assert not any(abs(int(m["change"].split()[0].rstrip("%"))) > 1000 for m in rows if m["change"])


def test_one_unit_system(sample_report) -> None:
    """Data is GiB/MiB everywhere the report writes a size (plan names are quoted as sold)."""
    html = unescape(re.sub(r"<script.*?</script>", "", sample_report.to_html(), flags=re.S))
    text = re.sub(r"<[^>]+>", " ", html)
    for plan in {c["plan"] for c in sample_report.cards}:
        text = text.replace(plan, "")
    assert re.findall(r"\d (?:GB|MB)\b", text) == []
    assert "GiB" in text


def test_disputes_come_first_with_money_per_currency(sample_report) -> None:
    disputes = sample_report.tables["disputes"]
    assert {f["rule"] for f in disputes["findings"]} == {
        "bill_total_mismatch",
        "duplicate_charge",
        "rate_mismatch",
        "roaming_charges",
    }
    assert disputes["at_stake"] == ["14.99 USD", "1,600 XPF"]
    html = sample_report.to_html()
    assert html.index('data-severity="error"') < html.index('id="summary"')


def test_line_cards_use_the_rule_forecast(sample_report) -> None:
    cards = {c["key"]: c for c in sample_report.cards}
    cuba = cards["Conecta Caribe eSIM"]
    assert cuba["plan"] == "Plan Datos 8 GB - 30 días" and cuba["price"] == "25.00 USD"
    assert cuba["forecast"] == "Runs out about 2026-08-12 (between 2026-08-12 and 2026-08-12)"
    assert any(f["rule"] == "allowance_exhaustion" for f in cuba["findings"])
    marie = cards["Marie (Lagon Mobile)"]
    assert marie["roaming"] == "Last trip: Vanuatu (VU), 2026-09-12 to 2026-09-16"
    assert "+12675550117" in cards  # the idle fleet line with three warnings has its card


def test_every_line_is_in_the_line_list(sample_report, sample_db: Path) -> None:
    con = open_db(sample_db, read_only=True)
    try:
        lines = {r[0] for r in con.sql("SELECT DISTINCT line FROM usage").fetchall()}
    finally:
        con.close()
    assert {o["number"] for o in sample_report.lines} == lines
    assert "Marie (Lagon Mobile)" in {o["key"] for o in sample_report.lines}


def test_mask_reaches_finding_sentences(sample_db: Path) -> None:
    con = open_db(sample_db, read_only=True)
    try:
        html = build(con, mask=True).to_html()
    finally:
        con.close()
    assert "29 99 18" not in html
    assert "+687751234" not in html and "+12015550123" not in html
    assert "••••18" in html


def test_report_says_which_database_and_inputs(sample_report, sample_db: Path) -> None:
    html = sample_report.to_html()
    content = re.search(r'<meta name="usage-analyzer-source" content="([^"]+)"', html).group(1)
    source = json.loads(unescape(content))
    assert source["database"] == str(sample_db.resolve())
    con = open_db(sample_db, read_only=True)
    try:
        shas = {r[0] for r in con.sql("SELECT sha256 FROM sources").fetchall()}
    finally:
        con.close()
    assert {s["sha256"] for s in source["sources"]} == shas
    assert all(re.fullmatch(r"[0-9a-f]{64}", s["sha256"]) for s in source["sources"])


def test_money_in_disputes_is_exact(sample_report) -> None:
    amounts = [f["amount"] for f in sample_report.tables["disputes"]["findings"]]
    assert Decimal("4.99") in amounts


def test_each_bill_is_explained(sample_report) -> None:
    bills = {b["title"]: b for b in sample_report.tables["bills"]}
    october = bills["Lagon Mobile FA-2026-10-121377, 2026-10-01 to 2026-10-31"]
    assert (october["printed"], october["computed"], october["difference"]) == (
        "12,566 XPF",
        "11,066 XPF",
        "1,500 XPF",
    )
    assert october["differs"]
    assert [g["name"] for g in october["groups"]] == [
        "Abonnements et options",
        "Détail des communications",
        "Récapitulatif",
    ]
    fleet = bills["Keystone Business Mobile , 2026-10-01 to 2026-10-31"]
    assert fleet["printed"] == fleet["computed"] == "1,677.86 USD" and not fleet["differs"]
    # A bill in two currencies keeps them apart.
    cuba = next(b for b in bills.values() if b["title"].startswith("Conecta Caribe"))
    assert cuba["computed"] == "432.88 CUP · 45.00 USD"


def test_each_trip_has_its_days_data_calls_and_cost(sample_report) -> None:
    trips = sample_report.tables["trips"]
    vanuatu = next(r for r in trips if r["country"] == "Vanuatu (VU)")
    assert (vanuatu["line"], vanuatu["when"], vanuatu["days"]) == (
        "Marie (Lagon Mobile)",
        "2026-09-12 – 2026-09-16",
        5,
    )
    assert vanuatu["data"].endswith("GiB") and vanuatu["calls"].endswith("min")
    assert vanuatu["cost"] and all(c.endswith("XPF") for c in vanuatu["cost"])
    mexico = next(r for r in trips if r["country"] == "Mexico (MX)")
    assert mexico["cost"] == ["60.00 USD"]


def test_bill_groups_show_their_item_counts(sample_report) -> None:
    html = sample_report.to_html()
    group = sample_report.tables["bills"][0]["groups"][0]
    cell = f'<td>{escape(group["name"])}</td><td class="num">{group["items"]}</td>'
    assert isinstance(group["items"], int) and cell in html


def test_allowance_forecast_uses_the_window_the_rule_ran_with(
    sample_db: Path, tmp_path: Path
) -> None:
    import shutil

    from analyzer.report.chart_data import forecasts
    from analyzer.rules import run_rules

    db = tmp_path / "window.duckdb"
    shutil.copy(sample_db, db)
    con = open_db(db)
    try:
        run_rules(con, overrides={"allowance_exhaustion": {"recent_days": 2}})
        plans = forecasts(con).set_index("line")
        default = con.sql("SELECT line, runs_out FROM allowance_forecast(7)").df()
        default = default.set_index("line")["runs_out"]
        findings = con.sql(
            "SELECT line, detail FROM findings WHERE rule = 'allowance_exhaustion'"
        ).fetchall()
        # The window matters here: the header's default would draw another day.
        assert any(plans.loc[line, "runs_out"] != default[line] for line, _ in findings)
        for line, detail in findings:
            assert "at the last 2 days' rate" in detail
            assert f"runs out about {plans.loc[line, 'runs_out']:%Y-%m-%d}," in detail
        report = build(con)
        card = next(
            c for c in report.cards if c["key"] == findings[0][0] or c["number"] == findings[0][0]
        )
        assert f"{plans.loc[findings[0][0], 'runs_out']:%Y-%m-%d}" in card["forecast"]
    finally:
        con.close()


def test_a_chosen_lines_summary_shows_its_spend(sample_report, sample_db: Path) -> None:
    """The figures the summary shows when one line is chosen carry that line's spend."""
    con = open_db(sample_db, read_only=True)
    try:
        spenders = {
            line
            for (line,) in con.sql(
                "SELECT DISTINCT line FROM usage WHERE amount IS NOT NULL AND currency IS NOT NULL"
                " AND kind NOT IN ('topup', 'adjustment', 'transfer')"
            ).fetchall()
        }
    finally:
        con.close()
    figures = sample_report.figures.values()
    assert any(f["spend"] for f in figures)
    assert {f["line"] for f in figures if f["spend"]} == {f["line"] for f in figures} & spenders
