"""TOML profiles: a carrier with no code, real files through them, and errors that name the key."""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REALBILLS

from analyzer.errors import AmbiguousFormatError, ProfileError
from analyzer.importers import BUILT_IN, ImportOptions, identify
from analyzer.importers.profile import load_profile, load_profiles
from analyzer.importing import import_paths

PROFILES = Path(__file__).parent.parent / "analyzer" / "profiles"
needs_realbills = pytest.mark.skipif(
    not REALBILLS.is_dir(), reason=f"real bills folder {REALBILLS} is absent"
)


@pytest.fixture(autouse=True)
def no_user_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def asterisk():
    return load_profile(PROFILES / "asterisk_cdr.toml")


@needs_realbills
def test_asterisk_master_gives_two_answered_calls_of_seven_seconds() -> None:
    extracted = asterisk().extract(REALBILLS / "asterisk_Master.csv", ImportOptions())
    events = extracted.events.to_pylist()
    assert [(e["kind"], e["quantity"], e["duration_s"], e["unit"]) for e in events] == [
        ("voice", 7, 7, "seconds"),
        ("voice", 7, 7, "seconds"),
    ]
    assert events[0]["started_at"].isoformat() == "2010-04-02T00:26:32"
    assert extracted.counts()["rows_read"] == 2


@needs_realbills
def test_asterisk_unanswered_calls_are_skipped_not_lost() -> None:
    extracted = asterisk().extract(REALBILLS / "asterisk_cdrlib_good.csv", ImportOptions())
    counts = extracted.counts()
    assert (counts["rows_read"], counts["events"], counts["skipped"]) == (5, 2, 3)
    assert [(e["quantity"], e["duration_s"]) for e in extracted.events.to_pylist()] == [
        (5, 5),
        (7, 5),
    ]


@needs_realbills
def test_asterisk_unterminated_quote_is_one_reject_naming_the_row() -> None:
    extracted = asterisk().extract(REALBILLS / "asterisk_cdrlib_buggy.csv", ImportOptions())
    assert extracted.counts() == {
        "rows_read": 1,
        "events": 0,
        "event_rows": 0,
        "rejects": 1,
        "skipped": 0,
    }
    [reject] = extracted.rejects.to_pylist()
    assert (reject["row"], reject["reason"]) == (
        1,
        "a quote is never closed (the rest of the row cannot be split)",
    )


@needs_realbills
def test_profiles_beside_the_bills_are_found_by_import(db, tmp_path: Path) -> None:
    bills = tmp_path / "bills"
    (bills / "profiles").mkdir(parents=True)
    text = (PROFILES / "asterisk_cdr.toml").read_text(encoding="utf-8")
    (bills / "profiles" / "pbx.toml").write_text(
        text.replace('name = "asterisk_cdr"', 'name = "my_pbx"').replace("columns = 18", "")
        + '\n[[records]]\nwhere = { column = 1, pattern = "^$" }\n',
        encoding="utf-8",
    )
    # profiles load when a new bill needs them
    (bills / "Master.csv").write_bytes((REALBILLS / "asterisk_Master.csv").read_bytes())
    with pytest.raises(ProfileError, match=r"pbx.toml: records\[0\]: a record has one of fields"):
        import_paths(db, [bills])
    (bills / "profiles" / "pbx.toml").write_text(
        text.replace('name = "asterisk_cdr"', 'name = "my_pbx"').replace(
            "[identify]", '[identify]\nfilename = "^Master"'
        ),
        encoding="utf-8",
    )
    with pytest.raises(AmbiguousFormatError, match="asterisk_cdr and my_pbx both recognise"):
        identify(bills / "Master.csv", [*BUILT_IN, load_profile(bills / "profiles" / "pbx.toml")])
    (bills / "profiles" / "pbx.toml").unlink()
    [result] = import_paths(db, [bills])
    assert (result.status, result.importer, result.events) == ("imported", "asterisk_cdr", 2)


PHONE_CSV = textwrap.dedent(
    """\
    Fecha;Hora;Tipo;Volumen;Duración;Importe;Número
    13/10/2026;08:00;Datos;1 Go 339;;1,50;
    14/10/2026;09:15;Voz;;1h02m;2,00;+34 612 34 56 78
    15/10/2026;10:00;Voz;;02:30;;612345679
    16/10/2026;11:00;Datos;350 Mo;;;
    """
)
PHONE_PROFILE = textwrap.dedent(
    """\
    name = "telefonica_test"
    carrier = "Operador de prueba"
    format = "csv"

    [identify]
    header = ["Fecha", "Hora", "Tipo", "Volumen", "Importe"]

    [read]
    delimiter = ";"
    decimal = ","
    thousands = "."
    date_format = "%d/%m/%Y %H:%M"
    currency = "EUR"
    region = "ES"

    [fields]
    line = { value = "+34612000000" }
    started_at = { column = "Fecha", time_column = "Hora" }
    kind = { column = "Tipo", values = { Datos = "data", Voz = "voice" } }
    quantity = { column = "Volumen", type = "data", unit = "MB", base = 1000 }
    duration_s = { column = "Duración", type = "duration" }
    amount = "Importe"
    currency = { value = "EUR" }
    counterparty = "Número"
    """
)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_text(text, encoding=encoding)
    return path


def test_a_csv_no_test_has_seen_imports_through_a_profile_only(tmp_path: Path) -> None:
    profile = load_profile(write(tmp_path, "p.toml", PHONE_PROFILE))
    bill = write(tmp_path, "consumo.csv", PHONE_CSV)
    assert identify(bill, [*BUILT_IN, profile]) is profile
    events = profile.extract(bill, ImportOptions()).events.to_pylist()
    assert [e["quantity"] for e in events] == [1339 * 1000**2, None, None, 350 * 1000**2]
    assert [e["duration_s"] for e in events] == [None, 3720, 150, None]
    # Amounts are exact; a blank amount is NULL, never zero.
    assert [e["amount"] for e in events] == [Decimal("1.5"), Decimal("2"), None, None]
    assert events[1]["counterparty_e164"] == "+34612345678"
    assert events[2]["counterparty_e164"] == "+34612345679"


def test_dates_are_read_with_one_format_per_file(tmp_path: Path) -> None:
    text = PHONE_PROFILE.replace('date_format = "%d/%m/%Y %H:%M"\n', "")
    profile = load_profile(write(tmp_path, "p.toml", text))
    bill = write(tmp_path, "consumo.csv", PHONE_CSV)
    events = profile.extract(bill, ImportOptions()).events.to_pylist()
    assert [e["started_at"].date().isoformat() for e in events][:2] == ["2026-10-13", "2026-10-14"]


def test_ambiguous_dates_without_a_declared_format_are_an_error(tmp_path: Path) -> None:
    text = PHONE_PROFILE.replace('date_format = "%d/%m/%Y %H:%M"\n', "")
    profile = load_profile(write(tmp_path, "p.toml", text))
    ambiguous = PHONE_CSV.replace("13/10/2026", "03/10/2026").replace("14/10", "04/10")
    ambiguous = ambiguous.replace("15/10", "05/10").replace("16/10", "06/10")
    bill = write(tmp_path, "consumo.csv", ambiguous)
    with pytest.raises(Exception) as error:
        profile.extract(bill, ImportOptions())
    assert str(error.value) == (
        "could not read consumo.csv: the dates in 'Fecha' are ambiguous: they read as "
        "%d/%m/%Y %H:%M and as %m/%d/%Y %H:%M; set date_format in the profile"
    )


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16", b""),
        ("gb18030", b""),
        ("cp1252", b""),
    ],
)
def test_decoding_by_bom_then_detection(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    profile = load_profile(write(tmp_path, "p.toml", PHONE_PROFILE))
    label = {"gb18030": "流量套餐费用说明", "cp1252": "Forfait données € été"}.get(encoding, "ok")
    text = PHONE_CSV.replace("Fecha;Hora", "Fecha;Hora", 1) + ""
    body = text.replace(";;1,50;", f";;1,50;{label}")
    (tmp_path / "consumo.csv").write_bytes(prefix + body.encode(encoding))
    events = profile.extract(tmp_path / "consumo.csv", ImportOptions()).events.to_pylist()
    assert len(events) == 4
    assert events[0]["counterparty"] == (label if label != "ok" else "ok")


def test_profile_with_record_types_maps_each_on_its_own(tmp_path: Path) -> None:
    profile = load_profile(
        write(
            tmp_path,
            "p.toml",
            textwrap.dedent(
                """\
                name = "records"
                format = "csv"
                [identify]
                columns = 4
                signature = '^(D|V),'
                [read]
                date_format = "%Y-%m-%d"
                [[records]]
                where = { column = 1, pattern = "^D$" }
                fields = { started_at = 2, kind = { value = "data" }, quantity = { column = 3, type = "data", unit = "KB" } }
                [[records]]
                where = { column = 1, pattern = "^V$" }
                fields = { started_at = 2, kind = { value = "voice" }, quantity = { column = 4, type = "duration", unit = "minutes" } }
                """
            ),
        )
    )
    bill = write(tmp_path, "x.csv", "D,2026-01-02,10,\nV,2026-01-02,,3\nX,2026-01-03,,\n")
    extracted = profile.extract(bill, ImportOptions())
    assert [(e["kind"], e["quantity"]) for e in extracted.events.to_pylist()] == [
        ("data", 10240),
        ("voice", 180),
    ]
    assert [(r["row"], r["reason"]) for r in extracted.rejects.to_pylist()] == [
        (3, "no record type of this layout matches the row")
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ('format = "csv"', 'format = "ods"'),
            "format: 'ods' is not one of 'csv', 'xlsx', 'xls' or 'pdf'",
        ),
        (("[fields]", "[fields]\nwhen = 3"), "fields.when: unknown field (known: line, "),
        (("[fields]", "[fields]\nstarted = 3"), "fields.started: unknown field; did you mean "),
        (
            ('amount = "Importe"', 'amount = { column = "Importe", type = "cash" }'),
            "fields.amount.type: unknown type 'cash' (use one of text, value, fact, money",
        ),
        (
            ('amount = "Importe"', 'amount = { column = "Importe", decimall = "," }'),
            "fields.amount.decimall: unknown key; did you mean 'decimal'? (known: column, ",
        ),
        (("base = 1000", "base = 1010"), "fields.quantity.base: 1010 is not one of 1000 or 1024"),
        (('delimiter = ";"', 'delimiter = ";;"'), "read.delimiter: must be one character"),
        (('delimiter = ";"', 'delimeter = ";"'), "read.delimeter: unknown key; did you mean "),
        (
            ('date_format = "%d/%m/%Y %H:%M"', 'date_fromat = "%d/%m/%Y %H:%M"'),
            "read.date_fromat: unknown key; did you mean 'date_format'?",
        ),
        (('thousands = "."', 'thousands = ","'), "read: decimal and thousands are both ','"),
        (('name = "telefonica_test"', ""), "name: is required"),
        (
            ("[identify]", "[identify]\nfilename = '(unclosed'"),
            "identify.filename: not a supported regular expression: missing ): (unclosed",
        ),
        (
            ("[identify]", "[identify]\nfilename = 'consumo(?=\\.csv)'"),
            "identify.filename: not a supported regular expression: invalid perl operator: (?= "
            "(lookahead and lookbehind are not supported: match the text itself)",
        ),
        (
            ("[identify]", "[identify]\ncolumns = 1000000000\nsignature = 'x'"),
            "identify.columns: must be between 1 and 4096",
        ),
        (
            ('Voz = "voice"', 'Voz = "vocie"'),
            "fields.kind: unknown kind 'vocie'; did you mean 'voice'?",
        ),
        (('encoding = "x"', ""), ""),
        (
            ('region = "ES"', 'region = "ES"\nencoding = "klingon"'),
            "read.encoding: unknown encoding 'klingon'",
        ),
        (("carrier =", "carrer ="), "carrer: unknown key; did you mean 'carrier'?"),
    ],
)
def test_a_bad_profile_names_the_file_and_the_key(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    path = write(tmp_path, "bad.toml", PHONE_PROFILE.replace(*change))
    if not message:
        load_profile(path)
        return
    with pytest.raises(ProfileError) as error:
        load_profile(path)
    assert str(error.value).startswith(f"{path}: {message}")


def test_invalid_toml_is_a_profile_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", "name = \n")
    with pytest.raises(ProfileError, match=r"bad.toml: not valid TOML"):
        load_profile(path)


def test_two_profiles_with_one_name_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "a.toml", PHONE_PROFILE)
    write(tmp_path, "b.toml", PHONE_PROFILE)
    with pytest.raises(ProfileError) as error:
        load_profiles([tmp_path])
    assert str(error.value) == (
        f"{tmp_path / 'b.toml'}: name: 'telefonica_test' is already used by "
        f"{tmp_path / 'a.toml'}; give this profile another name"
    )


def test_two_importers_claiming_a_file_is_an_error_naming_both(tmp_path: Path) -> None:
    first = load_profile(write(tmp_path, "a.toml", PHONE_PROFILE))
    second = load_profile(
        write(tmp_path, "b.toml", PHONE_PROFILE.replace("telefonica_test", "other"))
    )
    bill = write(tmp_path, "consumo.csv", PHONE_CSV)
    with pytest.raises(Exception, match="telefonica_test and other both recognise this file"):
        identify(bill, [first, second])


def test_user_config_folder_and_profiles_option(db, tmp_path: Path) -> None:
    user_folder = tmp_path / "config" / "usage-analyzer" / "profiles"
    user_folder.mkdir(parents=True)
    write(user_folder, "p.toml", PHONE_PROFILE)
    bills = tmp_path / "bills"
    bills.mkdir()
    write(bills, "consumo.csv", PHONE_CSV)
    [result] = import_paths(db, [bills])
    assert (result.status, result.importer) == ("imported", "telefonica_test")
    with pytest.raises(ProfileError) as error:
        import_paths(db, [bills], profiles=[tmp_path / "nowhere"])
    assert str(error.value) == f"--profiles {tmp_path / 'nowhere'}: no such folder"


def test_profile_is_the_same_attributes_as_a_layout() -> None:
    profile = asterisk()
    assert profile.headerless_columns == 18
    assert json.dumps(profile.mappings[0].skip.pattern)


def test_cli_explain_shows_importer_mapping_statement_events_and_rejects(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    (tmp_path / "p").mkdir()
    write(tmp_path / "p", "p.toml", PHONE_PROFILE)
    bad = PHONE_CSV + "17/10/2026;12:00;Datos;lots;;;\n"
    bill = write(tmp_path, "consumo.csv", bad)
    result = CliRunner().invoke(cli, ["explain", str(bill), "--profiles", str(tmp_path / "p")])
    assert result.exit_code == 3, result.output  # a rejected row: the file imports in part
    assert f"Importer: telefonica_test (profile {tmp_path / 'p' / 'p.toml'})" in result.output
    assert "quantity             DataVolume(column='Volumen'" in result.output
    assert "carrier              Operador de prueba" in result.output
    assert "First 4 events:" in result.output
    assert 'row 6: Volumen: "lots" is not a data volume' in result.output


def test_cli_explain_of_an_empty_file_says_what_import_says(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    (tmp_path / "bill.csv").write_bytes(b"")
    result = CliRunner().invoke(cli, ["explain", str(tmp_path / "bill.csv")])
    assert result.exit_code == 1
    assert result.output == (
        "Error: could not read bill.csv: the file is empty (0 bytes); download or export it again\n"
    )


def test_cli_profile_init_maps_spanish_headers_and_names_the_rest(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    bill = write(tmp_path, "consumo.csv", PHONE_CSV.replace("Tipo", "Rareza"))
    result = CliRunner().invoke(cli, ["profile", "init", str(bill)])
    assert result.exit_code == 0, result.output
    draft = result.stdout
    assert 'date_format = "%d/%m/%Y %H:%M"' in draft
    assert 'started_at = { column = "Fecha", time_column = "Hora" }' in draft
    assert 'amount = "Importe"' in draft
    # A column no header names is still mapped by its values (call, text and data words).
    assert 'kind = { column = "Rareza", values = { Datos = "data", Voz = "voice" } }' in draft
    # The draft is a valid profile that reads the file.
    profile = load_profile(write(tmp_path, "draft.toml", draft))
    assert profile.extract(bill, ImportOptions()).counts()["rows_read"] == 4


def test_cli_profile_init_refuses_ambiguous_dates(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from analyzer.cli import cli

    text = PHONE_CSV.replace("13/10", "03/10").replace("14/10", "04/10")
    bill = write(tmp_path, "consumo.csv", text.replace("15/10", "05/10").replace("16/10", "06/10"))
    result = CliRunner().invoke(cli, ["profile", "init", str(bill)])
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: could not read consumo.csv: the dates in 'Fecha' fit both %d/%m/%Y %H:%M and "
        "%m/%d/%Y %H:%M; say which with --date-format\n"
    )


def test_late_rows_in_a_later_export_are_added(db, tmp_path: Path) -> None:
    from conftest import session, wayfarer_csv

    first = wayfarer_csv(tmp_path, [session("2026-10-01", 5)], "e1.csv")
    second = wayfarer_csv(
        tmp_path, [session("2026-10-01", 5), session("2026-10-01", 3, hour="07")], "e2.csv"
    )
    import_paths(db, [first, second])
    assert db.sql("SELECT count(*) FROM usage").fetchall() == [(2,)]


def test_xlsx_read_by_calamine_equals_openpyxl_read_only() -> None:
    import openpyxl
    from conftest import SAMPLES

    from analyzer.importers.reading import cell_text, stage_xlsx

    path = SAMPLES / "cu_conecta_caribe.xlsx"
    staged = stage_xlsx(path, header=("Fecha", "Hora", "Tipo"), sheet="Consumo")
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in workbook["Consumo"].iter_rows(values_only=True)]
    workbook.close()
    body = rows[4:]
    width = len(staged.names)
    for i in range(width):
        column = staged.table.column(f"c{i}").to_pylist()
        expected = [cell_text(r[i] if i < len(r) else None) for r in body]
        # openpyxl gives datetimes at midnight for date cells; calamine gives dates.
        expected = [v.removesuffix(" 00:00:00") if v else v for v in expected]
        assert column == expected, staged.names[i]
    numbers = staged.table.column(f"c{staged.names.index('Número')}").to_pylist()
    assert "51002148" in numbers
