"""Several staged tables mapped in one ``map_rows`` call give what mapping each alone gives."""

from __future__ import annotations

import json

import pyarrow as pa

from analyzer.arrays import integers, strings
from analyzer.importers.base import Staged, TableMapping
from analyzer.importers.conditions import RowMatch
from analyzer.importers.mapping import map_rows, new_connection
from analyzer.importers.specs import Const, Money, Text, Timestamp


def _staged(names: tuple[str, ...], rows: list[tuple[str | None, ...]], page: int) -> Staged:
    columns = {
        "_page": integers([page] * len(rows), pa.int32()),
        "_row": integers(list(range(1, len(rows) + 1)), pa.int64()),
    }
    for index in range(len(names)):
        columns[f"c{index}"] = strings([row[index] for row in rows])
    return Staged(table=pa.table(columns), names=names, rows_read=len(rows))


CALLS = _staged(
    ("text", "date", "amount", "Line"),
    [
        ("a", "01/02/2026", "1.50", "+12015550123"),
        ("b", "01/03/2026", "2.OO", "+12015550123"),  # not an amount: a reject
        ("c", "TOTAL", "3.50", None),  # a skip of this table only
        ("d", "01/05/2026", "-0.25", "+12015550124"),
        ("   ", None, None, None),  # blank: skipped
    ],
    page=1,
)
FEES = _staged(
    ("text", "amount", "description", "heading"),
    [
        ("Line +12015550123", None, None, "Line +12015550123"),  # a heading, carried down
        ("e", "4.00", "Fee", None),
        ("f", "TOTAL", "Fee", None),  # TOTAL is no skip here: not an amount, a reject
        ("Line +12015550124", None, None, "Line +12015550124"),
        ("g", "5.00", 'Fee, "quoted" é', None),
    ],
    page=2,
)
CALL = TableMapping(
    fields={
        "kind": Const("voice"),
        "started_at": Timestamp("date", formats=("%m/%d/%Y",)),
        "amount": Money("amount"),
        "currency": Const("USD"),
        "line": Text("Line"),
    },
    skip=RowMatch("date", "^total$"),
)
FEE = TableMapping(
    fields={
        "kind": Const("fee"),
        "started_at": Const("2026-01-31"),
        "amount": Money("amount"),
        "currency": Const("USD"),
        "description": Text("description"),
        "line": Text("line"),
    },
    carry=(("line", "heading", r"^line (\+\d+)$"),),
)


def _mapped(tables, mappings) -> tuple[list[dict], list[dict], int]:
    con = new_connection()
    try:
        mapped = map_rows(con, tables, mappings)
        events = mapped.events.to_arrow().to_pylist()
    finally:
        con.close()
    return events, mapped.rejects.to_pylist(), mapped.skipped


def test_tables_mapped_together_equal_each_mapped_alone():
    call_events, call_rejects, call_skipped = _mapped(CALLS, CALL)
    fee_events, fee_rejects, fee_skipped = _mapped(FEES, FEE)
    events, rejects, skipped = _mapped([CALLS, FEES], [CALL, FEE])
    assert events == call_events + fee_events
    assert rejects == call_rejects + fee_rejects
    assert skipped == call_skipped + fee_skipped == 4  # a total, a blank row, two headings
    # Each event keeps its own table's cells under its own table's names.
    assert json.loads(events[0]["raw"]) == {
        "text": "a",
        "date": "01/02/2026",
        "amount": "1.50",
        "Line": "+12015550123",
    }
    assert [(e["line"], e["amount"]) for e in events[-2:]] == [
        ("+12015550123", fee_events[0]["amount"]),
        ("+12015550124", fee_events[1]["amount"]),
    ]
    assert json.loads(events[-1]["raw"])["description"] == 'Fee, "quoted" é'
    assert [r["reason"] for r in rejects] == [
        'amount: "2.OO" is not an amount',
        'amount: "TOTAL" is not an amount',
    ]


def test_header_names_that_differ_only_in_case_stay_apart_in_a_rows_json():
    table = _staged(("text", "Amount", "amount"), [("x", "oops", "1.00")], page=1)
    mapping = TableMapping(
        fields={"kind": Const("fee"), "amount": Money("#2"), "currency": Const("USD")}
    )  # by position: by name, the layout could not tell the two apart (and would refuse)
    _, rejects, _ = _mapped(table, mapping)
    assert json.loads(rejects[0]["raw"]) == {"text": "x", "Amount": "oops", "amount": "1.00"}
