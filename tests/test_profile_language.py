"""The profile language: one schema for every format, its reference page, RE2 everywhere."""

from __future__ import annotations

import textwrap
import tomllib
from pathlib import Path

import pytest
from conftest import REALBILLS

from analyzer.errors import InputError, ProfileError
from analyzer.importers import ImportOptions
from analyzer.importers.profile import load_profile, parse_profile
from analyzer.importers.profile_doc import EXAMPLES, render
from analyzer.regex import compile_re2, translate

DOCS = Path(__file__).parent.parent / "docs" / "profiles.md"
MINIMAL = 'name = "x"\nformat = "csv"\n[identify]\nheader = ["a"]\n[fields]\nkind = "a"\n'


def test_the_reference_page_is_generated_from_the_schema() -> None:
    assert DOCS.read_text(encoding="utf-8") == render(), (
        "docs/profiles.md is stale: run python -m analyzer.importers.profile_doc > docs/profiles.md"
    )


@pytest.mark.parametrize("table", sorted(EXAMPLES))
def test_every_example_on_the_reference_page_loads(table: str) -> None:
    example = EXAMPLES[table]
    top, tables = (example, "") if not example.startswith("[") else ("", example)
    base = 'name = "x"\nformat = "csv"\n' if table != "Profile" else ""
    fields = "" if "fields =" in example else '[fields]\nkind = { value = "data" }\n'
    header = "" if "[identify]" in example else '[identify]\nheader = ["a"]\n'
    document = f"{base}{top}\n{header}{tables}\n{fields}"
    if table == "Context":
        document = document.replace('format = "csv"', 'format = "pdf"').replace(
            'header = ["a"]', 'keywords = ["a"]'
        )
        document = document.replace("[fields]\nkind", "[[records]]\npattern = 'x'\nfields.kind")
    parse_profile(tomllib.loads(document), Path("example.toml"))


def test_every_key_of_every_table_is_on_the_reference_page() -> None:
    from analyzer.importers import profile_schema as schema
    from analyzer.importers import profile_specs as specs_schema

    page = DOCS.read_text(encoding="utf-8")
    models = [schema.Profile, schema.Identify, schema.Read, schema.Statement, schema.Record]
    models += [schema.Skip, schema.Summary, schema.Context, schema.Limits]
    models += list(specs_schema.SPEC_MODELS.values())
    for model in models:
        for name, field in model.model_fields.items():
            if name != "type":
                assert f"`{field.alias or name}`" in page, (model.__name__, name)


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"(\w+ \d{4})", "au 31 août 2015", "août 2015"),
        (r"Total\s(\d+)", "Total\u00a0120", "120"),
        (r"[\w.-]+@", "jean.dupré@", "jean.dupré@"),
        (r"\u00a0(\d+)", "x\u00a012", "\u00a012"),
    ],
)
def test_python_style_classes_mean_the_same_in_re2_and_duckdb(
    pattern: str, text: str, found: str
) -> None:
    import duckdb

    assert compile_re2(pattern).search(text).group(0).endswith(found)
    sql = "SELECT regexp_extract($t, $p, 0)"
    [(duck,)] = duckdb.execute(sql, {"t": text, "p": translate(pattern)}).fetchall()
    assert duck.endswith(found)


def test_a_catastrophic_pattern_runs_in_linear_time(tmp_path: Path) -> None:
    # (a+)+$ backtracks exponentially in Python's re; RE2 answers at once.
    assert compile_re2(r"^(a+)+$").search("a" * 50_000 + "!") is None


def test_a_profile_regex_is_checked_by_the_engine_that_runs_it(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text(
        MINIMAL.replace('header = ["a"]', "header = [\"a\"]\nfilename = '(a)\\1'"),
        encoding="utf-8",
    )
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value) == (
        f"{path}: identify.filename: not a supported regular expression: "
        "invalid escape sequence: \\1"
    )


RECORDS_CSV = (
    "H,INV-7,2026-10-31,\nC,2026-10-02,60,0.50\nC,2026-10-03,x,0.10\nD,2026-10-02,100,\nT,3,,\n"
)
RECORDS_PROFILE = textwrap.dedent(
    """\
    name = "records"
    format = "csv"
    [identify]
    columns = 4
    signature = '^H,INV-'
    [read]
    date_format = "%Y-%m-%d"
    currency = "EUR"
    [[skip]]
    column = 1
    pattern = "^(H|T)$"
    reason = "header and trailer records"
    [[records]]
    name = "calls"
    where = { all = [{ column = 1, pattern = "^C$" }, { not = { column = 4, pattern = "^$" } }] }
    fields = { started_at = 2, kind = { value = "voice" }, quantity = { column = 3, type = "duration", unit = "minutes" }, amount = 4, currency = { value = "EUR" } }
    [[records]]
    name = "any row of type C or D"
    where = { any = [{ column = 1, pattern = "^C$" }, { column = 1, pattern = "^D$" }] }
    fields = { started_at = 2, kind = { value = "data" }, quantity = { column = 3, type = "data", unit = "KB" } }
    """
)


def test_record_types_first_match_wins_and_conditions_combine(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(RECORDS_PROFILE, encoding="utf-8")
    (tmp_path / "bill.csv").write_text(RECORDS_CSV, encoding="utf-8")
    profile = load_profile(tmp_path / "p.toml")
    extracted = profile.extract(tmp_path / "bill.csv", ImportOptions())
    events = [(e["row"], e["kind"], e["quantity"]) for e in extracted.events.to_pylist()]
    # Row 2 is a call only (first match wins), row 4 data; row 3's bad minutes are a reject.
    assert events == [(2, "voice", 3600), (4, "data", 102_400)]
    assert [(r["row"], r["reason"]) for r in extracted.rejects.to_pylist()] == [
        (3, 'column 3: "x" is not a duration')
    ]
    assert extracted.counts()["skipped"] == 2


def test_also_lets_one_row_feed_several_record_types(tmp_path: Path) -> None:
    text = RECORDS_PROFILE.replace('name = "calls"', 'name = "calls"\nalso = true')
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    (tmp_path / "bill.csv").write_text(RECORDS_CSV, encoding="utf-8")
    extracted = load_profile(tmp_path / "p.toml").extract(tmp_path / "bill.csv", ImportOptions())
    kinds = [(e["row"], e["kind"]) for e in extracted.events.to_pylist()]
    assert kinds == [(2, "voice"), (2, "data"), (4, "data")]


FLEET_CSV = textwrap.dedent(
    """\
    Date,Description,Minutes,Amount
    Line 971 50 123 4567,,,
    2026-10-01,Plan,,45.00
    ,Call to 1512 555 0100,12,0.00
    Line 971 50 765 4321,,,
    2026-10-01,Plan,,45.00
    2026-10-02,Call to 44 20 7946 0000,3,1.20
    """
)
FLEET_PROFILE = textwrap.dedent(
    """\
    name = "fleet"
    format = "csv"
    [identify]
    header = ["Date", "Description", "Minutes", "Amount"]
    [read]
    date_format = "%Y-%m-%d"
    currency = "USD"
    fill_down = ["Date"]
    numbers = "international"
    [derived]
    Number = { column = "Description", pattern = 'Call to ([\\d ]+)' }
    [[context]]
    name = "line"
    column = "Date"
    pattern = '^Line ([\\d ]+)$'
    [[records]]
    where = { column = "Description", pattern = "^Plan$" }
    fields = { line = "line", started_at = "Date", kind = { value = "plan" }, amount = "Amount", currency = { value = "USD" } }
    [[records]]
    where = { column = "Description", pattern = "^Call" }
    fields = { line = "line", started_at = "Date", kind = { value = "voice" }, counterparty = "Number", quantity = { column = "Minutes", type = "duration", unit = "minutes" }, amount = "Amount", currency = { value = "USD" } }
    """
)


def test_headings_carry_the_line_and_dates_fill_down(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(FLEET_PROFILE, encoding="utf-8")
    (tmp_path / "fleet.csv").write_text(FLEET_CSV, encoding="utf-8")
    extracted = load_profile(tmp_path / "p.toml").extract(tmp_path / "fleet.csv", ImportOptions())
    rows = [
        (e["line"], e["kind"], e["started_at"].day, e["counterparty_e164"])
        for e in extracted.events.to_pylist()
    ]
    assert rows == [
        ("+971501234567", "plan", 1, None),
        ("+971501234567", "voice", 1, "+15125550100"),
        ("+971507654321", "plan", 1, None),
        ("+971507654321", "voice", 2, "+442079460000"),
    ]
    counts = extracted.counts()
    assert (counts["rows_read"], counts["skipped"], counts["rejects"]) == (6, 2, 0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('column = "Date"\npattern = \'^Line', "pattern = '^Line"), "context[0] needs the column"),
        (('fill_down = ["Date"]', "fill_dwon = []"), "read.fill_dwon: unknown key; did you mean"),
        (('numbers = "international"', 'numbers = "global"'), "read.numbers: 'global' is not"),
    ],
)
def test_carry_settings_are_checked_at_load(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    (tmp_path / "p.toml").write_text(FLEET_PROFILE.replace(*change), encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path / "p.toml")
    assert str(error.value).startswith(f"{tmp_path / 'p.toml'}: {message}")


def test_every_pdf_text_line_is_accounted_for() -> None:
    from analyzer.importers.pdf_text import cut_page

    request = {
        "contexts": [("section", "^(Calls)$")],
        "skips": [("^Total ", {})],
        "rows": [("call", r"^(?P<date>\d\d/\d\d) (?P<amount>\d+\.\d\d)$", {}, {})],
        "item": r"\d+\.\d\d$",
        "fields": {},
    }
    result = {"fields": {}, "rows": {}, "rejects": [], "skipped": 0, "rows_read": 0, "trace": []}
    text = "Calls\n01/10 1.50\n01/10 1,50 x 2.00\nTotal 3.50\n\ue001\ue002 \ue003\nPage 1\n"
    cut_page(text, 1, request, {"section": None}, result)
    assert [(row, taken) for _, row, _, taken, _ in result["trace"]] == [
        (1, "context section"),
        (2, "record call"),
        (3, "item: no record reads it (a reject)"),
        (4, "skip[0]"),
        (5, "unreadable: its font maps no characters"),
        (6, "unmatched"),
    ]
    assert (result["unmatched"], result["unreadable"], result["rows_read"]) == (1, 1, 3)


@pytest.mark.skipif(not (REALBILLS / "free_fiber.pdf").exists(), reason=f"{REALBILLS} is absent")
def test_explain_shows_each_pdf_line_what_took_it_and_the_context() -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    result = CliRunner().invoke(cli, ["explain", str(REALBILLS / "free_fiber.pdf")])
    assert result.exit_code == 0, result.output
    assert "Text lines (page:line, what took it, context):" in result.output
    assert (
        "  2:7    record subscription          Free Haut Débit du 1er au 31 Juillet 2015 29.99"
        "  [section=Abonnements, forfaits et options]"
    ) in result.output
    assert "  1:21   skip[0]                      Total facture 24.99 5.00 29.99" in result.output
    assert "Text lines no pattern took: 45 (unreadable: 0)" in result.output


BILL_CSV = textwrap.dedent(
    """\
    H,INV-2026-10,ACC-77,2026-11-02,2026-10-01,2026-10-31,12.50
    S,Calls,voice,3,240,1.20,
    S,Texts,sms,25,,0.30,
    C,2026-10-02 08:00,120,0.60,,,
    C,2026-10-03 09:00,120,0.60,,,
    T,,,,,,
    """
)
BILL_PROFILE = textwrap.dedent(
    """\
    name = "record_bill"
    format = "csv"
    [identify]
    columns = 7
    signature = '^H,INV-'
    [read]
    date_format = "%Y-%m-%d %H:%M"
    currency = "AUD"
    [[skip]]
    column = 1
    pattern = "^T$"
    reason = "trailer"
    [[records]]
    name = "invoice header"
    where = { column = 1, pattern = "^H$" }
    statement = { invoice_number = 2, account = 3, issued_on = { column = 4, formats = ["%Y-%m-%d"] }, period_start = { column = 5, formats = ["%Y-%m-%d"] }, period_end = { column = 6, formats = ["%Y-%m-%d"] }, total_due = 7 }
    [[records]]
    name = "service summary"
    where = { column = 1, pattern = "^S$" }
    stated = { category = 2, kind = 3, count = 4, quantity = { column = 5, type = "duration" }, amount = 6 }
    [[records]]
    name = "calls"
    where = { column = 1, pattern = "^C$" }
    fields = { started_at = 2, kind = { value = "voice" }, quantity = { column = 3, type = "duration" }, amount = 4, currency = { value = "AUD" } }
    """
)


def test_header_and_summary_records_fill_the_statement(tmp_path: Path) -> None:
    import json
    from datetime import date
    from decimal import Decimal

    (tmp_path / "p.toml").write_text(BILL_PROFILE, encoding="utf-8")
    (tmp_path / "bill.csv").write_text(BILL_CSV, encoding="utf-8")
    extracted = load_profile(tmp_path / "p.toml").extract(tmp_path / "bill.csv", ImportOptions())
    [statement] = extracted.statements
    assert (statement.invoice_number, statement.account) == ("INV-2026-10", "ACC-77")
    assert (statement.issued_on, statement.period_start, statement.period_end) == (
        date(2026, 11, 2),
        date(2026, 10, 1),
        date(2026, 10, 31),
    )
    assert statement.total_due == Decimal("12.50")
    stated = json.loads(statement.extra["stated_totals"])
    assert stated == [
        {
            "amount": "1.2000",
            "category": "Calls",
            "count": "3.000",
            "kind": "voice",
            "quantity": "240.000",
        },
        {
            "amount": "0.3000",
            "category": "Texts",
            "count": "25.000",
            "kind": "sms",
            "quantity": None,
        },
    ]
    counts = extracted.counts()
    assert (counts["rows_read"], counts["events"], counts["skipped"]) == (6, 2, 4)


def test_a_record_gives_events_or_statement_facts_not_both(tmp_path: Path) -> None:
    text = BILL_PROFILE.replace(
        "total_due = 7 }", 'total_due = 7 }\nfields = { kind = { value = "fee" } }'
    )
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path / "p.toml")
    assert str(error.value) == (
        f"{tmp_path / 'p.toml'}: records[0]: a record has one of fields (events), statement or "
        "stated"
    )


def test_every_kind_has_one_meaning() -> None:
    from analyzer.model import KIND_MEANINGS, KINDS

    assert tuple(KIND_MEANINGS) == KINDS


def test_pdf_items_over_several_lines_and_dates_printed_once_a_day() -> None:
    from analyzer.importers.pdf_text import cut_page

    request = {
        "contexts": [],
        "skips": [],
        "rows": [
            (
                "call",
                r"^(?P<date>\d\d/\d\d)? ?(?P<time>\d\d:\d\d) (?P<description>.+?) (?P<amount>\d+\.\d\d)$",
                {},
                {},
            )
        ],
        "item": r"\d+\.\d\d$",
        "fields": {},
        "fill_down": ["date"],
        "continuations": {"call": [r"^[a-z(]", "description", 2]},
    }
    result = {"fields": {}, "rows": {}, "rejects": [], "skipped": 0, "rows_read": 0, "trace": []}
    text = (
        "02/10 08:00 Call to +33 6 12 34 56 78 1.00\n"
        "(roaming, EU zone)\n"
        "09:30 Call to +33 6 98 76 54 32 1.20\n"
        "03/10 18:15 Text abroad 0.30\n"
        "Page 1\n"
    )
    cut_page(text, 1, request, {}, result)
    rows = [(r["date"], r["time"], r["description"]) for r in result["rows"]["call"]]
    assert rows == [
        ("02/10", "08:00", "Call to +33 6 12 34 56 78 (roaming, EU zone)"),
        ("02/10", "09:30", "Call to +33 6 98 76 54 32"),
        ("03/10", "18:15", "Text abroad"),
    ]
    assert [taken for *_, taken, _ in result["trace"]] == [
        "record call",
        "continues record call",
        "record call",
        "record call",
        "unmatched",
    ]


def test_a_continuation_needs_a_group_to_go_into(tmp_path: Path) -> None:
    text = textwrap.dedent(
        """\
        name = "x"
        format = "pdf"
        [identify]
        keywords = ["X"]
        [[records]]
        pattern = '^(?P<amount>\\d+\\.\\d\\d)$'
        continued = '^\\('
        fields = { kind = { value = "fee" }, amount = "amount" }
        """
    )
    (tmp_path / "p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as error:
        load_profile(tmp_path / "p.toml")
    assert str(error.value) == (
        f"{tmp_path / 'p.toml'}: records[0].continue_into: the pattern has no group named "
        "'description'"
    )


COUNTED_CSV = (
    "号码：13800000000\n总条数：3\n日期,类型,流量(MB)\n2026-10-01,流量,1\n2026-10-02,流量,2\n"
)
COUNTED_PROFILE = textwrap.dedent(
    """\
    name = "counted"
    format = "csv"
    [identify]
    header = ["日期", "类型", "流量(MB)"]
    [read]
    date_format = "%Y-%m-%d"
    [statement]
    row_count = '总条数[：:]\\s*(\\d+)'
    [fields]
    started_at = "日期"
    kind = { column = "类型", values = { "流量" = "data" } }
    quantity = { column = "流量(MB)", type = "data", unit = "MB" }
    """
)


def test_a_file_that_states_its_row_count_must_hold_that_many(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(COUNTED_PROFILE, encoding="utf-8")
    profile = load_profile(tmp_path / "p.toml")
    (tmp_path / "cut.csv").write_text(COUNTED_CSV, encoding="utf-8")
    with pytest.raises(InputError) as error:
        profile.extract(tmp_path / "cut.csv", ImportOptions())
    assert str(error.value) == (
        "could not read cut.csv: it says it holds 3 rows but 2 were read below the header; "
        "the export may be cut short or padded; download it again"
    )
    (tmp_path / "whole.csv").write_text(COUNTED_CSV + "2026-10-03,流量,3\n", encoding="utf-8")
    extracted = profile.extract(tmp_path / "whole.csv", ImportOptions())
    assert extracted.counts()["events"] == 3


@pytest.mark.skipif(not REALBILLS.is_dir(), reason=f"{REALBILLS} is absent")
def test_explain_says_which_condition_each_candidate_failed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    text = (REALBILLS / "ting_minutes.csv").read_text(encoding="utf-8")
    bill = tmp_path / "minutes.csv"
    bill.write_text(text.replace("Duration (min)", "Length"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["explain", str(bill)])
    assert result.exit_code == 1
    assert "No importer or profile recognises minutes.csv:" in result.output
    assert "  ting_minutes: no row holds the columns 'Duration (min)'" in result.output
    assert "  asterisk_cdr: no row at the start matches the signature" in result.output


YEARLESS_PROFILE = textwrap.dedent(
    """\
    name = "yearless"
    format = "csv"
    [identify]
    header = ["Date", "Minutes"]
    [read]
    date_format = "%d/%m %H:%M"
    [fields]
    started_at = "Date"
    kind = { value = "voice" }
    quantity = { column = "Minutes", type = "duration", unit = "minutes" }
    """
)


def _yearless(tmp_path: Path, name: str, rows: str, profile: str = YEARLESS_PROFILE) -> list:
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    (tmp_path / name).write_text("Date,Minutes\n" + rows, encoding="utf-8")
    extracted = load_profile(tmp_path / "p.toml").extract(tmp_path / name, ImportOptions())
    return [e["started_at"].date().isoformat() for e in extracted.events.to_pylist()]


def test_a_year_in_the_file_name_places_dates_printed_without_one(tmp_path: Path) -> None:
    assert _yearless(tmp_path, "calls_2025-03.csv", "28/03 10:00,2\n") == ["2025-03-28"]


def test_the_profile_can_name_the_year(tmp_path: Path) -> None:
    profile = YEARLESS_PROFILE.replace(
        'date_format = "%d/%m %H:%M"', 'date_format = "%d/%m %H:%M"\nyear = 2024'
    )
    assert _yearless(tmp_path, "calls.csv", "29/02 10:00,2\n", profile) == ["2024-02-29"]


def test_a_statement_period_across_new_year_places_each_date(tmp_path: Path) -> None:
    profile = YEARLESS_PROFILE.replace(
        "[fields]",
        "[[records]]\nwhere = { column = 'Date', pattern = '^From' }\n"
        "statement = { period_start = { column = 'Minutes', formats = ['%Y-%m-%d'] } }\n"
        "[[records]]\nwhere = { column = 'Date', pattern = '^To' }\n"
        "statement = { period_end = { column = 'Minutes', formats = ['%Y-%m-%d'] } }\n[fields]",
    )
    rows = "From,2025-12-15\nTo,2026-01-14\n20/12 10:00,2\n05/01 09:00,1\n"
    assert _yearless(tmp_path, "calls.csv", rows, profile) == ["2025-12-20", "2026-01-05"]


@pytest.mark.parametrize(
    "name",
    ["calls_2025-12-15_2026-01-14.csv", "calls_2025-12_2026-01.csv", "c_20251215-20260114.csv"],
)
def test_a_period_in_the_file_name_places_each_date_across_new_year(
    tmp_path: Path, name: str
) -> None:
    rows = "20/12 10:00,2\n05/01 09:00,1\n"
    assert _yearless(tmp_path, name, rows) == ["2025-12-20", "2026-01-05"]


def test_a_file_name_with_several_years_and_no_period_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        _yearless(tmp_path, "calls_dec2025_jan2026.csv", "20/12 10:00,2\n")
    assert str(error.value) == (
        "could not read calls_dec2025_jan2026.csv: its dates print no year, and its name names "
        "several (2025, 2026); name the file by its period (bill_2011-12-15_2012-01-14.csv), or "
        "pass --year YYYY when all its dates fall in one year"
    )


def test_without_any_year_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        _yearless(tmp_path, "calls.csv", "28/03 10:00,2\n")
    assert str(error.value) == (
        "could not read calls.csv: its dates print no year, and neither the file nor its name "
        "says which; pass --year YYYY (the year of the bill)"
    )


def _minutes_xlsx(tmp_path: Path, read: str = ""):
    """bill.xlsx in ``tmp_path`` read by a profile of its Fecha and Minutos columns."""
    profile = textwrap.dedent(
        """\
        name = "minutes"
        format = "xlsx"
        [identify]
        header = ["Fecha", "Minutos"]
        [read]
        date_format = "%Y-%m-%d %H:%M"
        {read}[fields]
        started_at = "Fecha"
        kind = { value = "voice" }
        quantity = { column = "Minutos", type = "duration", unit = "minutes" }
        """
    ).replace("{read}", read)
    (tmp_path / "p.toml").write_text(profile, encoding="utf-8")
    return load_profile(tmp_path / "p.toml").extract(tmp_path / "bill.xlsx", ImportOptions())


def test_a_profile_chooses_the_sheet_by_a_pattern_and_never_reads_hidden_ones(
    tmp_path: Path,
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Resumen"
    hidden = workbook.create_sheet("Detalle viejo")
    hidden.sheet_state = "hidden"
    for sheet in (hidden, workbook.create_sheet("Detalle 2026-10")):
        sheet.append(["Fecha", "Minutos"])
        sheet.append(["2026-10-02 08:00", 3 if "2026" in sheet.title else 99])
    workbook.save(tmp_path / "bill.xlsx")
    extracted = _minutes_xlsx(tmp_path, "sheet_pattern = '^Detalle'\n")
    assert extracted.events.column("quantity").to_pylist() == [180]


def test_a_sheet_that_repeats_its_header_on_every_page_reads_each_row_once(
    tmp_path: Path,
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Usage detail"])
    for page in range(3):
        sheet.append(["Fecha", "Minutos"] if page == 0 else [" FECHA ", None])
        sheet.append([f"2026-10-0{page + 1} 08:00", page + 1])
        sheet.append([f"2026-10-0{page + 1} 09:00", "Minutos"])  # a value, not a header
    workbook.save(tmp_path / "bill.xlsx")
    extracted = _minutes_xlsx(tmp_path)
    assert extracted.events.column("quantity").to_pylist() == [60, 120, 180]
    assert extracted.events.column("row").to_pylist() == [3, 6, 9]
    assert [r["row"] for r in extracted.rejects.to_pylist()] == [4, 7, 10]
    assert extracted.skipped == 2
