"""The analyst surface: the Python API, `analyzer query`, `analyzer export`, and the file lock."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest
from click.testing import CliRunner
from conftest import ROOT, held_database, session, wayfarer_csv

import analyzer
from analyzer.cli import _jsonable, cli
from analyzer.copies import resolve_copies
from analyzer.errors import AnalyzerError, DatabaseError, DatabaseLockedError
from analyzer.store import open_db as open_connection

PHONE = "+12015550123"
OTHER = "+12015550148"


def seed(path: Path) -> Path:
    """A small postpaid bill and an overlapping usage export, inserted as the importers would."""
    con = open_connection(path)
    con.execute(
        """
        INSERT INTO sources (source_id, sha256, path, size, format, importer, imported_at, status,
                             rows_read, events)
        VALUES (1, 'a', '/bills/meridian_2026-10.pdf', 1, 'pdf', 'meridian_pdf',
                '2026-11-01 10:00', 'ok', 6, 6),
               (2, 'b', '/bills/meridian_usage.csv', 1, 'csv', 'meridian_csv',
                '2026-11-01 10:00', 'ok', 2, 2);
        INSERT INTO statements (statement_id, source_id, carrier, account, lines, period_start,
                                period_end, currency, total_due)
        VALUES (1, 1, 'Meridian Wireless', '0042', ['+12015550123', '+12015550148'],
                DATE '2026-09-19', DATE '2026-10-18', 'USD', 71.44);
        INSERT INTO events (event_id, source_id, statement_id, line, started_at, kind, direction,
                            quantity, unit, counterparty, country, roaming, amount, currency,
                            description, page, "row", raw)
        VALUES
          (1, 1, 1, '+12015550123', '2026-09-30 08:30', 'data', NULL, 1048576, 'bytes', NULL,
           'US', false, 0, 'USD', NULL, 2, 1, '{"Date":"09/30/2026"}'),
          (2, 1, 1, '+12015550123', '2026-10-05 09:15', 'voice', 'out', 120, 'seconds',
           '(201) 555-0187', 'MX', true, 0, 'USD', NULL, 2, 2, '{}'),
          (3, 1, 1, '+12015550123', '2026-10-05 09:15', 'fee', NULL, 1, 'items', NULL,
           'MX', true, 10.00, 'USD', 'International Day Pass', 3, 1, '{}'),
          (4, 1, 1, '+12015550148', '2026-10-10 12:00', 'sms', 'out', 1, 'messages',
           '9175550167', 'US', false, 0, 'USD', '=HYPERLINK("http://x")', 2, 3, '{}'),
          (5, 1, 1, '+12015550148', NULL, 'tax', NULL, NULL, NULL, NULL, NULL, NULL, 1.4321,
           'USD', 'Regulatory surcharge', 3, 2, '{}'),
          (6, 1, 1, '+12015550148', '2026-10-12 18:00', 'topup', NULL, NULL, NULL, NULL, NULL,
           NULL, -50.0000, 'USD', 'Top-up', 3, 3, '{}'),
          (7, 2, NULL, '+12015550148', '2026-10-10 12:00', 'sms', 'out', 1, 'messages',
           '9175550167', 'US', false, 0, 'USD', NULL, NULL, 2, '{}'),
          (8, 2, NULL, '+12015550123', '2026-10-20 07:00', 'data', NULL, 2048, 'bytes', NULL,
           'US', false, 0, 'USD', NULL, NULL, 3, '{}');
        INSERT INTO lines (line, home_country) VALUES ('+12015550123', 'US'), ('+12015550148', 'US');
        INSERT INTO findings (finding_id, rule, severity, title, line, period_start, period_end,
                              amount_at_stake, currency, detail, event_ids)
        VALUES (1, 'roaming_charges', 'error', 'Day pass', '+12015550123', DATE '2026-10-05',
                DATE '2026-10-05', 10.00, 'USD', 'A day pass.', [3]),
               (2, 'roaming_started', 'info', 'Roaming', '+12015550123', DATE '2026-10-05',
                DATE '2026-10-05', NULL, NULL, 'Roaming in MX.', [2]);
        INSERT INTO rejects VALUES (2, NULL, 9, 'garbage', 'no date in column Date');
        """
    )
    # Move the id sequences past the rows above, as the importers' nextval() calls would.
    con.sql(
        "SELECT nextval('source_ids'), nextval('statement_ids'), nextval('event_ids'), "
        "nextval('finding_ids') FROM range(8)"
    ).fetchall()
    resolve_copies(con)  # as saving each file does
    con.close()
    return path


@pytest.fixture
def seeded(db_path: Path) -> Path:
    return seed(db_path)


def ids(relation) -> list[int]:
    return [row[0] for row in relation.fetchall()]


def invoke(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), *args])


# --- the API ---------------------------------------------------------------------------------


def test_events_filter_by_line_period_and_kind(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    assert ids(db.events()) == [1, 2, 3, 8, 4, 7, 6, 5]
    assert ids(db.events(line=PHONE)) == [1, 2, 3, 8]
    assert ids(db.events(line=[PHONE, OTHER], kind="fee")) == [3]
    assert ids(db.events(period="2026-09")) == [1, 5]  # the undated tax: its statement's period
    assert ids(db.events(start="2026-10-05", end="2026-10-10")) == [2, 3, 4, 7]


def test_usage_collapses_the_overlapping_export_but_events_keep_it(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    assert ids(db.events(line=OTHER, kind="sms")) == [4, 7]
    assert ids(db.usage(line=OTHER, kind="sms")) == [4]  # the billed copy wins


def test_filters_are_parameters_not_sql(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    assert db.events(line="x' OR '1'='1").fetchall() == []
    assert db.findings(rule="roaming_charges' OR TRUE --").fetchall() == []


def test_daily_monthly_roaming_and_statements(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    daily = db.daily(line=PHONE, period="2026-10").df()
    assert list(daily["day"].astype(str)) == ["2026-10-05", "2026-10-05", "2026-10-20"]
    monthly = db.monthly(line=OTHER).fetchall()
    assert ("+12015550148", "2026-09", "tax", "USD", 1, Decimal("1.4321")) in monthly
    assert ("+12015550148", "2026-10", "topup", "USD", 1, Decimal("-50.0000")) in monthly
    [roaming] = db.roaming(period="2026-10").to_arrow_table().to_pylist()
    assert roaming["line"] == PHONE and roaming["country"] == "MX"
    assert roaming["voice_seconds"] == Decimal("120.000") and roaming["outgoing"] == 1
    assert db.statements(line=OTHER, period="2026-10").fetchall()[0][2] == "Meridian Wireless"
    assert db.statements(period="2026-11").fetchall() == []


def test_findings_carry_evidence_and_filter_by_severity(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    [finding] = db.findings(severity="warning").to_arrow_table().to_pylist()
    assert finding["rule"] == "roaming_charges"
    assert finding["amount_at_stake"] == Decimal("10.0000")
    assert finding["evidence"] == [{"file": "/bills/meridian_2026-10.pdf", "page": 3, "row": 1}]
    assert len(db.findings(period="2026-10").fetchall()) == 2
    assert db.findings(period="2026-11").fetchall() == []


def test_rejects_and_sources_name_their_file(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    assert db.rejects("meridian_usage.csv").fetchall() == [
        ("/bills/meridian_usage.csv", None, 9, "no date in column Date", "garbage")
    ]
    assert db.rejects("other.csv").fetchall() == []
    assert [row[2] for row in db.sources().fetchall()] == [
        "/bills/meridian_2026-10.pdf",
        "/bills/meridian_usage.csv",
    ]


def test_sql_binds_parameters_and_returns_dataframes(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    relation = db.sql(
        "SELECT line, sum(amount) AS amount FROM usage WHERE currency = ? GROUP BY line "
        "ORDER BY line",
        ["USD"],
    )
    assert relation.fetchall() == [(PHONE, Decimal("10.0000")), (OTHER, Decimal("-48.5679"))]
    assert relation.pl()["amount"].to_list() == [Decimal("10.0000"), Decimal("-48.5679")]
    assert list(relation.df()["line"]) == [PHONE, OTHER]
    assert relation.to_arrow_table().num_rows == 2


def test_a_failed_query_is_one_line(seeded: Path) -> None:
    with pytest.raises(AnalyzerError) as error:
        analyzer.open_db(seeded).sql("SELECT nope FROM events")
    assert str(error.value).startswith("the query failed: Binder Error")


def test_read_only_handle_cannot_write(seeded: Path) -> None:
    with pytest.raises(AnalyzerError) as caught:
        analyzer.open_db(seeded).sql("DELETE FROM events")
    assert str(caught.value) == (
        "DELETE statements are refused: a query is read-only and reads this database only "
        "(use SELECT, WITH, FROM, DESCRIBE, SHOW, SUMMARIZE or EXPLAIN)"
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"period": "2026-13"},
            "period '2026-13': write it as YYYY-MM, e.g. 2026-10, or START..END, e.g. "
            "2026-09-19..2026-10-18",
        ),
        (
            {"period": "Oct 2026"},
            "period 'Oct 2026': write it as YYYY-MM, e.g. 2026-10, or START..END, e.g. "
            "2026-09-19..2026-10-18",
        ),
        (
            {"period": "2026-10", "start": "2026-10-01"},
            "give either a period or start/end dates, not both",
        ),
        ({"start": "10/01/2026"}, "start '10/01/2026': write dates as YYYY-MM-DD"),
    ],
)
def test_bad_filters_say_how_to_write_them(seeded: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(AnalyzerError) as error:
        analyzer.open_db(seeded).events(**kwargs)
    assert str(error.value) == message


def test_bad_severity_lists_the_choices(seeded: Path) -> None:
    with pytest.raises(AnalyzerError) as error:
        analyzer.open_db(seeded).findings(severity="fatal")
    assert str(error.value) == "severity 'fatal': use one of info, warning, error"


def test_open_db_on_a_missing_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as error:
        analyzer.open_db(tmp_path / "none.duckdb")
    assert str(error.value) == (
        f"no database at {tmp_path / 'none.duckdb'}; "
        "import some bills first with 'analyzer run FOLDER'"
    )


def test_a_with_block_keeps_one_connection_and_lazy_relations(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    with db:
        assert db.usage(kind="data").aggregate("count(*)").fetchall() == [(2,)]
        with pytest.raises(AnalyzerError, match="already open in a 'with' block"), db:
            pass
    assert ids(db.events(kind="fee")) == [3]


def test_a_writable_with_block_imports_analyses_and_reports_on_its_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import analyzer.api.database as database

    opened = []
    real = database._open_connection

    def counting(path: Path, *, read_only: bool = False):
        opened.append(read_only)
        return real(path, read_only=read_only)

    monkeypatch.setattr(database, "_open_connection", counting)
    bills = tmp_path / "bills"
    bills.mkdir()
    wayfarer_csv(bills, [session("2026-10-01", 5), session("2026-10-02", 7)])
    out = tmp_path / "report.html"
    db = analyzer.open_db(tmp_path / "a.duckdb", read_only=False)  # opens it once to check it
    opened.clear()
    with db:
        [result] = analyzer.import_paths(db, [bills])
        outcome = analyzer.analyse(db, folder=bills, out=out)
        assert db.usage().aggregate("count(*)").fetchall() == [(2,)]
    assert (result.status, outcome["events"], out.is_file()) == ("imported", 2, True)
    assert opened == [False]


def test_import_analyzer_loads_no_heavy_module() -> None:
    code = (
        "import sys, analyzer; heavy = {'duckdb', 'pandas', 'altair', 'pdfplumber', 'pyarrow'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_cli_help_loads_no_heavy_module() -> None:
    code = (
        "import sys; from analyzer.cli import cli\n"
        "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = {'duckdb', 'pandas', 'altair', 'pdfplumber', 'pyarrow'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stderr


# --- analyzer query ----------------------------------------------------------------------------

QUERY = "SELECT event_id, line, started_at, kind, amount, description FROM usage ORDER BY event_id"


def test_cli_query_returns_the_same_rows_as_the_api(seeded: Path) -> None:
    result = invoke(seeded, "query", QUERY, "--format", "json")
    assert result.exit_code == 0, result.output
    relation = analyzer.open_db(seeded).sql(QUERY)
    expected = [
        {c: _jsonable(v) for c, v in zip(relation.columns, row, strict=True)}
        for row in relation.fetchall()
    ]
    assert json.loads(result.output) == expected
    assert len(expected) == 7


def test_cli_query_to_parquet_keeps_exact_types(seeded: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    result = invoke(seeded, "query", QUERY, "--format", "parquet", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output == f"7 rows written to {out}\n"
    back = duckdb.sql(f"SELECT * FROM read_parquet('{out}') ORDER BY event_id").fetchall()
    assert back == analyzer.open_db(seeded).sql(QUERY).fetchall()


def test_cli_query_parquet_needs_out(seeded: Path) -> None:
    result = invoke(seeded, "query", "SELECT 1", "--format", "parquet")
    assert result.exit_code == 2
    assert "Error: --format parquet writes a file: add --out FILE.parquet" in result.output


def test_cli_query_csv_neutralises_formulas_but_keeps_numbers(seeded: Path) -> None:
    result = invoke(
        seeded,
        "query",
        "SELECT line, amount, description FROM events WHERE event_id IN (4, 6) ORDER BY event_id",
        "--format",
        "csv",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "line,amount,description",
        '\'+12015550148,0.0000,"\'=HYPERLINK(""http://x"")"',
        "'+12015550148,-50.0000,Top-up",
    ]


def test_cli_query_csv_prefixes_each_formula_trigger(seeded: Path) -> None:
    result = invoke(
        seeded,
        "query",
        "SELECT '=1+1' AS a, '@SUM(A1)' AS b, '-2+3' AS c, '＝1' AS d, 'ok' AS e, "
        "-50.0000::DECIMAL(18,4) AS f, 7 AS g",
        "--format",
        "csv",
    )
    assert result.output.splitlines()[1] == "'=1+1,'@SUM(A1),'-2+3,'＝1,ok,-50.0000,7"


# --- analyzer export ---------------------------------------------------------------------------


def test_export_writes_hive_partitions_that_duckdb_and_polars_read_back(
    seeded: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "lake"
    result = invoke(seeded, "export", "--parquet", str(folder))
    assert result.exit_code == 0, result.output
    assert re.search(r"^\s+8 events\s", result.output, re.M)
    assert (folder / "events" / "line=%2B12015550123" / "month=2026-10").is_dir()
    assert (folder / "events" / "line=%2B12015550148" / "month=2026-09").is_dir()
    events = str(folder / "events" / "**" / "*.parquet")

    back = duckdb.sql(
        f"""
        SELECT line, month, event_id, amount, in_usage
        FROM read_parquet('{events}', hive_partitioning = true,
                          hive_types = {{'line': VARCHAR, 'month': VARCHAR}})
        ORDER BY event_id
        """
    ).fetchall()
    assert len(back) == 8
    assert back[2] == (PHONE, "2026-10", 3, Decimal("10.0000"), True)
    assert back[4] == (OTHER, "2026-09", 5, Decimal("1.4321"), True)
    assert back[5] == (OTHER, "2026-10", 6, Decimal("-50.0000"), True)
    assert sum(1 for row in back if not row[4]) == 1  # the overlapping copy, not in `usage`

    frame = pl.read_parquet(folder / "events", hive_partitioning=True).sort("event_id")
    assert frame.height == 8
    assert frame["line"].dtype == pl.String
    assert frame["amount"].to_list()[2:6] == [
        Decimal("10.0000"),
        Decimal("0.0000"),
        Decimal("1.4321"),
        Decimal("-50.0000"),
    ]
    assert pl.read_parquet(folder / "findings").height == 2
    assert pl.read_parquet(folder / "statements")["total_due"].to_list() == [Decimal("71.4400")]
    # The settings the rules read go with the data, so the rules can run elsewhere.
    assert {"line", "plan_name"} <= set(pl.read_parquet(folder / "lines").columns)
    assert "country" in pl.read_parquet(folder / "rate_cards").columns


def test_export_refuses_to_mix_with_a_previous_export(seeded: Path, tmp_path: Path) -> None:
    folder = tmp_path / "lake"
    assert invoke(seeded, "export", "--parquet", str(folder)).exit_code == 0
    again = invoke(seeded, "export", "--parquet", str(folder))
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {folder / 'events'} already exists; choose another folder or pass --overwrite\n"
    )
    assert invoke(seeded, "export", "--parquet", str(folder), "--overwrite").exit_code == 0
    assert len(list((folder / "events").rglob("*.parquet"))) == 4  # 2 lines x 2 months
    events = str(folder / "events" / "**" / "*.parquet")
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{events}')").fetchall() == [(8,)]


# --- the file lock -----------------------------------------------------------------------------


def cli_import(db_file: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "analyzer", "--db", str(db_file), "import", str(folder)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def bills(tmp_path: Path) -> Path:
    folder = tmp_path / "bills"
    folder.mkdir()
    wayfarer_csv(folder, [session("2026-10-01", 5), session("2026-10-02", 6, "MX")])
    return folder


def test_the_cli_can_write_while_a_notebook_holds_an_api_handle(tmp_path: Path) -> None:
    db_file = seed(tmp_path / "a.duckdb")
    db = analyzer.open_db(db_file)
    assert len(ids(db.events())) == 8
    written = cli_import(db_file, bills(tmp_path))
    assert written.returncode == 0, written.stderr
    assert len(ids(db.events())) == 10


def test_a_with_block_holds_the_lock_until_it_ends(tmp_path: Path) -> None:
    db_file = seed(tmp_path / "a.duckdb")
    folder = bills(tmp_path)
    with analyzer.open_db(db_file) as db:
        db.events().fetchall()
        blocked = cli_import(db_file, folder)
    assert blocked.returncode == 4
    assert f"Error: the database {db_file} is in use by process" in blocked.stderr
    assert cli_import(db_file, folder).returncode == 0


def test_the_api_reports_a_locked_database(tmp_path: Path) -> None:
    db_file = seed(tmp_path / "a.duckdb")
    with held_database(db_file) as holder:
        with pytest.raises(DatabaseLockedError) as error:
            analyzer.open_db(db_file)
        assert error.value.exit_code == 4
        assert str(error.value) == (
            f"the database {db_file} is in use by process {holder.pid}; close it (a notebook?) "
            "or use --db another.duckdb"
        )


@pytest.mark.parametrize(
    "view",
    ["usage", "daily_usage", "monthly_charges", "roaming_days", "findings", "finding_evidence"],
)
def test_readme_documents_each_view_with_its_columns(seeded: Path, view: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = re.search(rf"^\| `{view}`[^|]*\|[^|]*\| `([^`]+)` \|$", readme, re.M)
    assert row, f"README has no row for {view} in 'Tables and views'"
    actual = [name for name, *_ in analyzer.open_db(seeded).sql(f"DESCRIBE {view}").fetchall()]
    assert row.group(1).split(", ") == actual


def test_a_billing_cycle_is_a_period_everywhere(seeded: Path) -> None:
    db = analyzer.open_db(seeded)
    assert ids(db.events(period="2026-10-01..2026-10-06")) == [2, 3]
    assert len(db.findings(period="2026-10-06..2026-10-31").fetchall()) == 0
    assert len(db.findings(period="2026-10-05..2026-10-05").fetchall()) == 2


def test_every_function_takes_the_handle_open_db_returns(seeded: Path, tmp_path: Path) -> None:
    db = analyzer.open_db(seeded)
    report = analyzer.build_report(db, period="2026-10")
    assert report.save_html(tmp_path / "r.html").exists()
    with db:
        assert analyzer.build_report(db).save_html(tmp_path / "held.html").exists()
    columns, rows = analyzer.list_findings(db, severity="error")
    assert rows[0][columns.index("rule")] == "roaming_charges"
    assert analyzer.run_query(db, "SELECT count(*) AS n FROM events") == (["n"], [(8,)])
    assert analyzer.write_report(db, tmp_path / "w.html") == tmp_path / "w.html"


def test_read_bill_reads_one_file_and_saves_nothing(tmp_path: Path) -> None:
    bill = analyzer.read_bill(ROOT / "sample_bills" / "nc_lagon_mobile_2026-10.pdf")
    assert (bill.layout, bill.recognised) == ("lagon_pdf", True)
    assert bill.counts["events"] == bill.events.num_rows == 97
    assert bill.rejects.num_rows == 0
    profile = tmp_path / "other.toml"
    profile.write_text(
        'name = "other"\ncarrier = "Other"\nformat = "csv"\n[identify]\nheader = ["Nope"]\n'
        '[fields]\nstarted_at = "Nope"\nkind = { value = "data" }\n',
        encoding="utf-8",
    )
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("Date\n2026-10-01\n", encoding="utf-8")
    with pytest.raises(AnalyzerError) as error:  # tried although it does not claim the file
        analyzer.read_bill(csv_file, profile)
    assert str(error.value) == "could not read x.csv: no header row with the columns Nope"
