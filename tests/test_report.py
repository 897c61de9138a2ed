"""The report: one offline file, safe with hostile bill text, drawn by a real browser."""

from __future__ import annotations

import json
import re
from html import unescape as html_unescape
from pathlib import Path

import pytest
from browser import render
from click.testing import CliRunner
from conftest import ROOT, session, wayfarer_csv
from report_db import (
    ALEX,
    CUBA,
    PAYLOAD,
    TRAVEL_ESIM,
    build_report_db,
)

from analyzer.api import analyse, import_paths
from analyzer.cli import cli
from analyzer.errors import AnalyzerError
from analyzer.report import CHARTS, MAX_CHART_LINES, build, format_money, parse_period
from analyzer.report.masking import mask_number, mask_text
from analyzer.store import open_db

ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture
def report_db(tmp_path: Path):
    con = open_db(tmp_path / "report.duckdb")
    build_report_db(con)
    yield con
    con.close()


@pytest.fixture
def hostile_db(tmp_path: Path):
    con = open_db(tmp_path / "hostile.duckdb")
    build_report_db(con, hostile=True)
    yield con
    con.close()


def make_report(
    tmp_path: Path, network: str = "Net 310-260", iccid: str = "8901260000000000001"
) -> Path:
    """A report through the real pipeline: a Wayfarer export imported, rules run, HTML written."""
    folder = tmp_path / "bills"
    folder.mkdir()
    rows = [
        session(f"2026-10-{d:02d}", d, "MX" if d in (5, 6) else "US")
        .replace("Net 310-260", network)
        .replace("8901260000000000001", iccid)
        for d in range(1, 11)
    ]
    wayfarer_csv(folder, rows)
    (folder / "analyzer.toml").write_text('home_country = "US"\n')
    db = tmp_path / "r.duckdb"
    import_paths(db, [folder])
    out = tmp_path / "report.html"
    analyse(db, folder=folder, out=out)
    return out


def chart_containers(dom: str) -> dict[str, str]:
    """Each chart container's HTML up to the end of its panel, by chart name."""
    found = {}
    for match in re.finditer(r'<div class="chart[^"]*" id="chart-([a-z_]+)"', dom):
        found[match.group(1)] = dom[match.end() : dom.index("</section>", match.end())]
    return found


def test_report_is_one_offline_file(tmp_path: Path) -> None:
    html = make_report(tmp_path).read_text("utf-8")
    assert re.findall(r"(?:https?|wss?|ftp)://", html) == []
    # The Vega bundle, the chart data, the page settings, the page script.
    assert html.count("<script") == 4
    assert 'http-equiv="Content-Security-Policy"' in html
    csp = html_unescape(re.search(r'Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    assert '"actions": false' not in html  # actions are turned off in code, not per spec
    assert "actions: false" in html
    assert len(html) < 2_000_000


def test_every_chart_is_drawn_from_small_aggregates(report_db) -> None:
    data = build(report_db)
    assert set(data.charts) == set(CHARTS)
    assert data.notes == {}
    for name, spec in data.charts.items():
        size = len(json.dumps(spec, default=str))
        assert size < 60_000, f"{name} carries {size} bytes of chart data"
        assert {"name": "line_filter", "value": "__all__"} in spec["params"]


def test_summary_keeps_currencies_apart_and_amounts_exact(report_db) -> None:
    summary = build(report_db).summary
    spend = dict(summary["spend"])
    assert set(spend) == {"CNY", "USD", "XPF"}
    # Lagon: plan 5900 + calls + TGC 412, in whole francs; nothing summed across currencies.
    assert re.fullmatch(r"\d{1,3}(,\d{3})* XPF", spend["XPF"])
    assert dict(summary["at_stake"]) == {"USD": "166.98 USD", "XPF": "1,600 XPF"}
    assert summary["findings"] == {"error": 5, "warning": 9, "info": 8}
    assert any("2026-05-06" in note for note in summary["incomplete"])
    assert any("broken_scan.pdf" in note for note in summary["incomplete"])


def test_money_formats() -> None:
    from decimal import Decimal

    assert format_money(Decimal("1500"), "XPF") == "1,500 XPF"
    assert format_money(Decimal("4.99"), "USD") == "4.99 USD"
    assert format_money(Decimal("-20"), "USD") == "-20.00 USD"
    assert format_money(None, "USD") == ""


def test_every_planted_finding_is_listed_with_evidence(report_db) -> None:
    findings = build(report_db).tables["findings"]
    rules = {f["rule"] for f in findings}
    spec = (ROOT / "sample_bills" / "SPEC.md").read_text("utf-8")
    assert rules == set(re.findall(r"^\| (\w+) \| (?:info|warning|error) \|", spec, re.M))
    duplicate = next(f for f in findings if f["rule"] == "duplicate_charge")
    assert duplicate["at_stake"] == "4.99 USD"
    assert duplicate["evidence"] == [
        "us_meridian_wireless_2026-10.pdf p. 2 row 194",
        "us_meridian_wireless_2026-10.pdf p. 2 row 195",
    ]


def test_period_scopes_the_whole_report(report_db) -> None:
    data = build(report_db, period="2026-10")
    assert data.summary["period"] == "Period 2026-10: 2026-10-01 to 2026-10-31"
    assert {c for c, _ in data.summary["spend"]} == {"USD", "XPF"}
    assert {f["rule"] for f in data.tables["findings"]} == {
        "bill_total_mismatch",
        "billed_longer_than_call",
        "charge_increase",
        "rate_mismatch",
        "roaming_charges",
        "roaming_started",
        "zero_usage_line",
    }
    assert {m["month"] for m in data.tables["month_over_month"]} == {"2026-10"}
    assert "balance" not in data.charts and "balance" in data.notes
    assert [s["file"] for s in data.tables["sources"]] == [
        "broken_scan.pdf",
        "nc_lagon_mobile_2026-10.pdf",
        "us_keystone_fleet_2026-08_2026-10.csv",
        "us_meridian_wireless_2026-10.pdf",
    ]


def test_billing_cycle_period(report_db) -> None:
    data = build(report_db, period="2026-09-19..2026-10-18")
    assert data.summary["period"] == "Period 2026-09-19..2026-10-18: 2026-09-19 to 2026-10-18"


def test_month_over_month_without_a_period(report_db) -> None:
    months = build(report_db).tables["month_over_month"]
    assert sorted({m["month"] for m in months if m["currency"] == "USD"}) == [
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
    ]


@pytest.mark.parametrize("period", ["2026-13", "October", "2026-10-18..2026-09-19"])
def test_a_bad_period_is_a_clear_error(period: str) -> None:
    with pytest.raises(AnalyzerError) as error:
        parse_period(period)
    assert str(error.value) == (
        f"--period {period!r} is not a period; write a month as 2026-10 "
        "or a billing cycle as 2026-09-19..2026-10-18"
    )


def test_chinese_report_translates_labels(report_db) -> None:
    html = build(report_db, lang="zh").to_html()
    assert '<html lang="zh-Hans">' in html
    for heading in ("用量报告", "概览", "发现的问题", "数据质量", "每日流量", "预付费余额"):
        assert heading in html
    for english in (">Summary<", ">Findings<", ">Data quality<", "Data used per day"):
        assert english not in html
    assert "重复收费" in html  # a rule title, translated


def test_unknown_language_is_a_clear_error(report_db) -> None:
    with pytest.raises(AnalyzerError, match="the report has no language 'fr'; use one of: en, zh"):
        build(report_db, lang="fr")


def test_mask_hides_every_number_and_keeps_totals(report_db) -> None:
    plain = build(report_db)
    masked = build(report_db, mask=True)
    html = masked.to_html()
    for secret in (ALEX, CUBA, TRAVEL_ESIM, "+449098790000", "+5352345678", "2015550187"):
        assert secret not in html
        assert secret not in json.dumps(masked.charts, default=str)
    assert "+1 201 ••• ••23" in html
    assert "8944 •••• •••• •••• ••80" in html
    assert masked.summary["spend"] == plain.summary["spend"]
    assert masked.summary["at_stake"] == plain.summary["at_stake"]


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("+12015550123", "+1 201 ••• ••23"),
        ("+687751234", "+687 75 ••34"),
        ("89442000000123456780", "8944 •••• •••• •••• ••80"),
        ("(201) 555-0187", "••••••••87"),
        ("*222#", "*222#"),
        ("CUBACEL", "CUBACEL"),
    ],
)
def test_mask_number(number: str, masked: str) -> None:
    assert mask_number(number) == masked


def test_mask_text_finds_numbers_in_sentences() -> None:
    assert (
        mask_text("SMS to +449098790000 on 2026-09-27.") == "SMS to +44 909 ••• ••00 on 2026-09-27."
    )


def test_a_chart_without_data_is_left_out_with_a_note(tmp_path: Path) -> None:
    con = open_db(tmp_path / "fleet.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'fleet.csv', 1, 'csv', now(), 'ok')"
    )
    con.execute(
        "INSERT INTO events (event_id, source_id, line, kind, amount, currency, started_at) "
        "VALUES (1, 1, '+12675550100', 'plan', 40, 'USD', '2026-10-01')"
    )
    data = build(con)
    html = data.to_html()
    con.close()
    assert set(data.charts) == {"spend"}
    assert data.notes["heatmap"] == "No timed data sessions in this period."
    assert 'data-chart="heatmap"' not in html
    assert 'data-empty-chart="heatmap">No timed data sessions in this period.</p>' in html


def test_hostile_text_is_escaped(hostile_db) -> None:
    html = build(hostile_db).to_html()
    assert "<script>document.title" not in html
    assert "<img src=x" not in html
    assert html.count("</script>") == 4
    assert "&lt;/script&gt;&lt;script&gt;" in html  # shown as text in the tables


def test_hostile_text_is_escaped_through_the_pipeline(tmp_path: Path) -> None:
    html = make_report(tmp_path, network=PAYLOAD, iccid=PAYLOAD.replace(",", ";")).read_text(
        "utf-8"
    )
    assert "<script>document.title" not in html
    assert "<img src=x" not in html
    assert html.count("</script>") == 4


def test_notebook_display_is_an_isolated_iframe(report_db) -> None:
    shown = build(report_db)._repr_html_()
    assert shown.startswith("<iframe") and 'sandbox="allow-scripts"' in shown
    assert "<script" not in shown  # the page is an escaped srcdoc attribute


def test_report_stays_small_with_many_lines_and_events(tmp_path: Path) -> None:
    con = open_db(tmp_path / "big.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'big.csv', 1, 'csv', now(), 'ok')"
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit, country,
                            amount, currency, counterparty_e164)
        SELECT i, 1, '+1201555' || lpad(CAST(i % 80 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-01-01' + INTERVAL (i * 97 % 31536000) SECOND,
               CASE WHEN i % 5 = 0 THEN 'voice' ELSE 'data' END, 1048576 + i % 1000, 'bytes',
               ['US', 'MX', 'CA', 'FR'][1 + i % 4], 0.01, 'USD',
               '+1212555' || lpad(CAST(i % 900 AS VARCHAR), 4, '0')
        FROM range(1, 200001) t(i)
        """
    )
    html = build(con).to_html()
    con.close()
    assert len(html.encode("utf-8")) < 2_000_000


def test_allowance_chart_draws_only_the_busiest_lines_of_a_big_fleet(tmp_path: Path) -> None:
    con = open_db(tmp_path / "fleet.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'fleet.csv', 1, 'csv', now(), 'ok')"
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit)
        SELECT i, 1, '+1201555' || lpad(CAST(i % 60 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-01-01' + INTERVAL (i // 60) HOUR, 'data', 1048576, 'bytes'
        FROM range(0, 60 * 24 * 200) t(i)
        """
    )
    con.execute(
        "INSERT INTO lines (line, data_allowance, cycle, cycle_day) "
        "SELECT DISTINCT line, CAST(10 AS BIGINT) * 1073741824, 'monthly', 1 FROM events"
    )
    report = build(con)  # one cumulative series per line would pass Altair's 5,000-row limit
    con.close()
    drawn = {row["line"] for d in report.charts["allowance"]["datasets"].values() for row in d}
    assert len(drawn) == MAX_CHART_LINES


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_draws_in_chromium_with_the_network_off(
    hostile_db, tmp_path: Path, lang: str
) -> None:
    page = build(hostile_db, lang=lang).save_html(tmp_path / f"report-{lang}.html")
    dom = render(page, screenshot=ARTIFACTS / f"report-{lang}.png", size=(1200, 7200))
    assert 'data-rendered="true"' in dom
    assert "data-chart-error" not in dom
    charts = chart_containers(dom)
    assert set(charts) == set(CHARTS)
    assert all("<svg" in inner for inner in charts.values())
    title = "Usage report" if lang == "en" else "用量报告"
    assert f"<title>{title}</title>" in dom  # the payload did not rename the page


def test_cli_report_options(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    con = open_db(db)
    build_report_db(con)
    con.close()
    out = tmp_path / "out.html"
    result = CliRunner().invoke(
        cli,
        [
            "--db",
            str(db),
            "report",
            "--out",
            str(out),
            "--period",
            "2026-10",
            "--lang",
            "zh",
            "--mask",
        ],
    )
    assert result.exit_code == 0, result.output
    html = out.read_text("utf-8")
    assert "账期 2026-10" in html and ALEX not in html


def test_cli_report_bad_period(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    open_db(db).close()
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "--period", "2026-13"])
    assert result.exit_code == 2  # a usage error
    assert result.output.strip().endswith(
        "Error: Invalid value for '--period': '2026-13' is not a period; write a month as "
        "2026-10 or a billing cycle as 2026-09-19..2026-10-18"
    )


def test_thousands_of_findings_are_counted_not_all_listed(tmp_path: Path) -> None:
    con = open_db(tmp_path / "many.duckdb")
    con.execute(
        """
        INSERT INTO findings (finding_id, rule, severity, title, line, period_start, period_end,
                              amount_at_stake, currency, detail, event_ids)
        SELECT i, 'night_burn', 'warning', 'Data used at night', '+1201555' || lpad(i::VARCHAR, 4, '0'),
               DATE '2026-01-01' + CAST(i % 300 AS INTEGER), DATE '2026-01-01' + CAST(i % 300 AS INTEGER), NULL, NULL,
               'Line used ' || i || ' MB at night.', []
        FROM range(1, 5001) t(i)
        """
    )
    data = build(con)
    html = data.to_html()
    con.close()
    assert len(data.tables["findings"]) == 30
    assert data.tables["findings_not_listed"] == [
        "4970 more “Data used at night” findings are not listed here; "
        "`analyzer findings --rule night_burn` lists them all."
    ]
    assert "4970 more" in html
    assert len(html.encode("utf-8")) < 2_000_000


def test_a_year_of_twenty_busy_lines_draws_without_altairs_row_limit(tmp_path: Path) -> None:
    con = open_db(tmp_path / "year.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'year.csv', 1, 'csv', now(), 'ok')"
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit)
        SELECT i, 1, '+1201555' || lpad(CAST(i % 20 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-01-01 09:00' + INTERVAL (i // 20) DAY, 'data', 1048576, 'bytes'
        FROM range(0, 20 * 365) t(i)
        """
    )
    data = build(con)
    html = data.to_html()
    con.close()
    assert "daily_data" in data.charts
    assert len(html.encode("utf-8")) < 2_000_000


def test_top_contacts_stay_few_when_many_quiet_lines_are_merged(tmp_path: Path) -> None:
    con = open_db(tmp_path / "contacts.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'calls.csv', 1, 'csv', now(), 'ok')"
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit,
                            counterparty, counterparty_e164)
        SELECT i, 1, '+1201555' || lpad(CAST(i % 300 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-03-01 09:00' + INTERVAL (i % 28) DAY, 'sms', 1, 'messages',
               '+1212555' || lpad(CAST(i % 3000 AS VARCHAR), 4, '0'),
               '+1212555' || lpad(CAST(i % 3000 AS VARCHAR), 4, '0')
        FROM range(0, 30000) t(i)
        """
    )
    data = build(con)
    con.close()
    spec = data.charts["counterparties"]
    rows = max(len(v) for v in spec.get("datasets", {}).values())
    lines_charted = 21  # the busiest 20 and "other lines"
    assert rows <= lines_charted * 25


def test_quiet_lines_are_one_exact_series_in_the_heatmap_and_top_contacts(tmp_path: Path) -> None:
    """Twelve lines: the eight busiest are charted, the other four are one series whose heatmap
    cells and top contacts are theirs summed, not a merge of each line's own top ten."""
    con = open_db(tmp_path / "quiet.duckdb")
    con.execute(
        "INSERT INTO sources (source_id, sha256, path, size, format, imported_at, status) "
        "VALUES (1, 'x', 'quiet.csv', 1, 'csv', now(), 'ok')"
    )
    # Lines 0-7 are busy (a thousand sessions each); lines 8-11 each text eleven contacts of
    # their own once and one shared contact once: the shared one is no line's favourite but
    # the quiet lines' favourite together.
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit)
        SELECT i, 1, '+1201555' || lpad(CAST(i % 8 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-03-02 09:00' + INTERVAL (i % 50) HOUR, 'data', 1048576, 'bytes'
        FROM range(0, 8000) t(i)
        """
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit,
                            counterparty, counterparty_e164)
        SELECT 10000 + i, 1, '+1201555' || lpad(CAST(8 + i // 12 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-03-04 10:00', 'sms', 1, 'messages', number, number
        FROM (SELECT i, CASE WHEN i % 12 = 11 THEN '+12125559999'
                             ELSE '+1212555' || lpad(CAST(i AS VARCHAR), 4, '0') END AS number
              FROM range(0, 48) t(i))
        """
    )
    con.execute(
        """
        INSERT INTO events (event_id, source_id, line, started_at, kind, quantity, unit)
        SELECT 20000 + i, 1, '+1201555' || lpad(CAST(8 + i % 4 AS VARCHAR), 4, '0'),
               TIMESTAMP '2026-03-04 10:30', 'data', 2097152, 'bytes'
        FROM range(0, 4) t(i)
        """
    )
    data = build(con)
    con.close()
    other = data.text["other_lines"]
    heat = max(data.charts["heatmap"]["datasets"].values(), key=len)
    quiet = [r for r in heat if r["line"] == other]
    assert [(r["weekday"], r["hour"], r["mb"]) for r in quiet] == [(3, 10, 8.0)]
    assert sum(r["mb"] for r in heat) == 8000 + 8
    contacts = max(data.charts["counterparties"]["datasets"].values(), key=len)
    quiet_contacts = {r["contact"]: r["count"] for r in contacts if r["line"] == other}
    assert quiet_contacts["+12125559999"] == 4
    assert len(quiet_contacts) == 10
