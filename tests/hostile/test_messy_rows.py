"""Files that can be read but are messy: every row is an event, a reject naming its row, or a
skipped row, and rows read = events + rejects + skipped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import openpyxl
from conftest import ICCID, session, wayfarer_csv
from hostile_helpers import assert_failed_cleanly, run, with_good_neighbour

HEADER = "Date,Description,Amount\n"


def charges(folder: Path, body: str, *, encoding: str = "utf-8", name: str = "bill.csv") -> Path:
    path = folder / name
    path.write_bytes((HEADER + body).encode(encoding))
    return path


def rows_of(db) -> list[tuple]:
    return db.sql(
        'SELECT "row", started_at::DATE::VARCHAR, description, amount FROM events '
        "JOIN sources USING (source_id) WHERE path LIKE '%bill%' ORDER BY \"row\""
    ).fetchall()


def rejects_of(db) -> list[tuple]:
    return db.sql('SELECT "row", reason FROM rejects ORDER BY "row"').fetchall()


def reconciled(db) -> tuple:
    [row] = db.sql(
        "SELECT rows_read, events, rejects, skipped FROM sources WHERE path LIKE '%bill%'"
    ).fetchall()
    assert row[0] == row[1] + row[2] + row[3]
    return row


def test_utf16_with_bom(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Forfait été,€ 12.50\n", encoding="utf-16")
    run(db, tmp_path)
    assert rows_of(db) == [(2, "2026-10-01", "Forfait été", Decimal("12.5"))]


def test_gb18030(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,流量包 漫游,¥30.00\n02/10/2026,通话,¥1.50\n", encoding="gb18030")
    run(db, tmp_path)
    assert [r[2] for r in rows_of(db)] == ["流量包 漫游", "通话"]


def test_windows_1252_with_euro_sign(db, tmp_path: Path) -> None:
    charges(
        tmp_path,
        "01/10/2026,Recarga teléfono,€ 12.50\n02/10/2026,Crédito,€ 3.10\n",
        encoding="cp1252",
    )
    run(db, tmp_path)
    assert [(r[2], r[3]) for r in rows_of(db)] == [
        ("Recarga teléfono", Decimal("12.5")),
        ("Crédito", Decimal("3.1")),
    ]


def test_mixed_encodings_reject_the_foreign_row_instead_of_garbling_all(db, tmp_path: Path) -> None:
    path = tmp_path / "bill.csv"
    path.write_bytes(
        HEADER.encode()
        + "01/10/2026,Forfait été,1.00\n".encode()
        + "02/10/2026,Forfait été,2.00\n".encode("cp1252")
        + "03/10/2026,Données,3.00\n".encode()
    )
    run(db, tmp_path)
    assert [(r[0], r[2]) for r in rows_of(db)] == [(2, "Forfait été"), (4, "Données")]
    assert rejects_of(db) == [(3, "the row is not valid text in the file's encoding")]
    assert reconciled(db) == (3, 2, 1, 0)


def test_unterminated_quote_is_a_reject(db, tmp_path: Path) -> None:
    charges(tmp_path, '01/10/2026,"Plan,10.00\n02/10/2026,Extra,2.00\n')
    run(db, tmp_path)
    rejects = rejects_of(db)
    assert rejects and rejects[0][0] == 2
    assert "quote" in rejects[0][1]
    assert reconciled(db)[0] >= 1


def test_too_many_and_too_few_columns(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Plan,10.00,surprise\n02/10/2026,Extra\n03/10/2026,Fee,1.00\n")
    run(db, tmp_path)
    assert rejects_of(db) == [
        (2, "the row has more columns than the header"),
        (3, "the row has fewer columns than the header"),
    ]
    assert [r[0] for r in rows_of(db)] == [4]
    assert reconciled(db) == (3, 1, 2, 0)


def test_decimal_comma_in_a_decimal_point_layout_is_refused_not_scaled(db, tmp_path: Path) -> None:
    charges(tmp_path, '01/10/2026,Plan,"12,50"\n02/10/2026,Phone,"1,250.00"\n')
    run(db, tmp_path)
    assert rejects_of(db) == [(2, 'Amount: "12,50" is not an amount')]
    assert [r[3] for r in rows_of(db)] == [Decimal("1250")]


def test_ambiguous_dates_follow_the_layout_and_impossible_ones_are_rejected(
    db, tmp_path: Path
) -> None:
    charges(tmp_path, "03/04/2026,Plan,1.00\n10/25/2026,Extra,2.00\n")
    run(db, tmp_path)
    assert [r[1] for r in rows_of(db)] == ["2026-04-03"]
    assert rejects_of(db) == [(3, 'Date: "10/25/2026" is not a date/time')]


def test_currency_symbols_spaces_and_credits(db, tmp_path: Path) -> None:
    charges(
        tmp_path,
        "01/10/2026,a,$ 1 234.50\n"
        "01/10/2026,b,USD 12.00\n"
        "01/10/2026,c,1\u202f000.00 $\n"
        "01/10/2026,d,(5.00)\n"
        "01/10/2026,e,-5.00\n"
        "01/10/2026,f,5.00-\n",
    )
    run(db, tmp_path)
    assert [r[3] for r in rows_of(db)] == [
        Decimal("1234.5"),
        Decimal("12"),
        Decimal("1000"),
        Decimal("-5"),
        Decimal("-5"),
        Decimal("-5"),
    ]


def test_blank_amount_is_null_not_zero(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Included call,\n02/10/2026,Zero,0.00\n")
    run(db, tmp_path)
    assert [r[3] for r in rows_of(db)] == [None, Decimal("0")]


def test_trailing_total_row_is_skipped_and_kept_as_the_statement_total(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Plan,10.00\n02/10/2026,Extra,2.50\n,Total,12.50\n")
    run(db, tmp_path)
    assert len(rows_of(db)) == 2
    assert reconciled(db) == (3, 2, 0, 1)
    assert db.sql("SELECT total_due FROM statements").fetchall() == [(Decimal("12.5"),)]


def test_repeated_header_rows_are_skipped_and_counted_not_rejected(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Plan,10.00\nDate,Description,Amount\n02/10/2026,Extra,2.50\n")
    run(db, tmp_path)
    assert [r[0] for r in rows_of(db)] == [2, 4]
    assert rejects_of(db) == []
    assert reconciled(db) == (3, 2, 0, 1)


def test_xlsx_dates_as_date_cells_read_and_bare_serials_are_rejected(db, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Description", "Amount"])
    sheet.append([dt.datetime(2026, 10, 1), "Date cell", 1])
    sheet.append([46296, "Bare serial", 2])  # a date typed as a plain number
    book.save(tmp_path / "bill.xlsx")
    with_good_neighbour(tmp_path)
    run(db, tmp_path)
    assert [(r[1], r[2]) for r in rows_of(db)] == [("2026-10-01", "Date cell")]
    assert rejects_of(db) == [(3, 'Date: "46296" is not a date/time')]


def test_xlsx_merged_cells_give_their_value_to_every_row_they_span(db, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Date", "Description", "Amount"])
    sheet.append(["01/10/2026", "Call 1", 1])
    sheet.append([None, "Call 2", 2])
    sheet.append(["02/10/2026", "Call 3", 3])
    sheet.merge_cells("A2:A3")
    book.save(tmp_path / "bill.xlsx")
    run(db, tmp_path)
    assert [(r[1], r[2]) for r in rows_of(db)] == [
        ("2026-10-01", "Call 1"),
        ("2026-10-01", "Call 2"),
        ("2026-10-02", "Call 3"),
    ]


def test_xlsx_repeated_header_rows_are_skipped(db, tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (
        ["Date", "Description", "Amount"],
        ["01/10/2026", "Plan", 1],
        ["Date", "Description", "Amount"],
        ["02/10/2026", "Extra", 2],
    ):
        sheet.append(row)
    book.save(tmp_path / "bill.xlsx")
    run(db, tmp_path)
    assert [r[0] for r in rows_of(db)] == [2, 4]
    assert reconciled(db) == (3, 2, 0, 1)


def test_a_read_column_named_twice_in_the_header_is_refused(db, tmp_path: Path) -> None:
    """Two 'Amount' columns: reading the first would silently ignore the second's charges."""
    (tmp_path / "bill.csv").write_text(
        "Date,Description,Amount,Amount\n01/10/2026,Plan,0.00,9.99\n", encoding="utf-8"
    )
    with_good_neighbour(tmp_path)
    assert_failed_cleanly(
        db,
        run(db, tmp_path),
        "bill.csv",
        "could not read bill.csv: its header names 2 columns 'Amount' (columns 3, 4); the "
        "layout cannot tell which one to read; rename one of them in the export, or read it by "
        "position in a profile ('#4')",
    )


def test_a_column_named_twice_that_no_field_reads_is_harmless(db, tmp_path: Path) -> None:
    (tmp_path / "bill.csv").write_text(
        "Date,Description,Amount,Note,Note\n01/10/2026,Plan,9.99,a,b\n", encoding="utf-8"
    )
    assert run(db, tmp_path)["bill.csv"].status == "imported"
    assert rows_of(db) == [(2, "2026-10-01", "Plan", Decimal("9.99"))]


def test_a_line_a_spreadsheet_shortened_or_an_impossible_offset_is_a_reject(
    db, tmp_path: Path
) -> None:
    """'8.93315E+19' is an ICCID whose digits a spreadsheet dropped, and '+25:00' no zone's
    offset: either would put the session on a wrong line or at a wrong instant."""
    good = session("2026-10-01", 5)
    shortened = good.rsplit(",", 1)[0] + ",8.93315E+19"
    far_zone = good.replace("2026-10-01 09:00:00,", "2026-10-01T09:00:00+25:00,", 1)
    wayfarer_csv(tmp_path, [good, shortened, far_zone], name="bill.csv", profile=False)
    assert run(db, tmp_path)["bill.csv"].status == "partial"
    assert rejects_of(db) == [
        (3, 'ICCID: "8.93315E+19" is a number a spreadsheet shortened (its digits are lost)'),
        (4, 'Session Start: "2026-10-01T09:00:00+25:00" has a UTC offset no place uses'),
    ]
    assert reconciled(db) == (3, 1, 2, 0)


def test_a_line_of_white_space_is_a_blank_line(db, tmp_path: Path) -> None:
    charges(tmp_path, "01/10/2026,Plan,9.99\n   \n\t\n02/10/2026,Fee,1.00\n")
    assert run(db, tmp_path)["bill.csv"].status == "imported"
    assert [r[0] for r in rows_of(db)] == [2, 5]
    assert reconciled(db) == (4, 2, 0, 2)


def test_an_end_printed_in_another_offset_is_moved_to_the_starts_and_one_before_it_is_refused(
    db, tmp_path: Path
) -> None:
    """'10:00+02:00' to '09:30+01:00' is half an hour (the event keeps the start's offset);
    '10:00' to '09:00' in one offset ends before it starts."""
    rows = [
        f"2026-10-01T10:00:00+02:00,2026-10-01T09:30:00+01:00,1000,FR,Net,{ICCID}",
        f"2026-10-01T10:00:00+02:00,2026-10-01T09:00:00+02:00,1000,FR,Net,{ICCID}",
    ]
    wayfarer_csv(tmp_path, rows, name="bill.csv", profile=False)
    assert run(db, tmp_path)["bill.csv"].status == "partial"
    assert db.sql(
        "SELECT strftime(started_at, '%H:%M'), strftime(ended_at, '%H:%M'), utc_offset_min "
        "FROM events"
    ).fetchall() == [("10:00", "10:30", 120)]
    assert rejects_of(db) == [(3, "Session End is before Session Start")]
