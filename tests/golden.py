"""Golden files: an importer's output as stable text, and the generator's truth as a check.

``render`` writes what a file yields (statements, events, rejects, counts) as text that diffs
well; it is kept beside the sample as ``<file>.expected``. ``truth_summary`` reduces the same
output to the per-line figures the sample generator records in ``sample_bills/truth/``, so a
layout is checked against how the data was made, not only against its own past output.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from analyzer.importers.base import Extracted

EVENT_COLUMNS = (
    "page",
    "row",
    "line",
    "started_at",
    "ended_at",
    "kind",
    "direction",
    "quantity",
    "unit",
    "duration_s",
    "counterparty",
    "counterparty_e164",
    "country",
    "network",
    "roaming",
    "amount",
    "currency",
    "description",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render(extracted: Extracted) -> str:
    """The whole extraction as text: statements, counts, events (CSV), rejects (CSV)."""
    out = io.StringIO()
    for index, statement in enumerate(extracted.statements):
        out.write(f"[statement {index}]\n")
        for key, value in asdict(statement).items():
            if value not in (None, (), {}, []):
                out.write(f"{key}: {_text(list(value) if isinstance(value, tuple) else value)}\n")
    out.write("\n[counts]\n")
    for key, value in extracted.counts().items():
        out.write(f"{key}: {value}\n")
    out.write("\n[events]\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    for event in extracted.events.to_pylist():
        writer.writerow([_text(event[c]) for c in EVENT_COLUMNS])
    out.write("\n[rejects]\n")
    writer.writerow(("page", "row", "reason"))
    for reject in extracted.rejects.to_pylist():
        writer.writerow([_text(reject["page"]), _text(reject["row"]), reject["reason"]])
    return out.getvalue()


def truth_summary(extracted: Extracted) -> dict[str, dict[str, Any]]:
    """Per line: events by kind, data/transfer bytes, voice seconds, SMS count, money by kind.

    Amounts follow the analyzer's convention (positive = charged, negative = credited).
    """
    lines: dict[str, dict[str, Any]] = {}
    for event in extracted.events.to_pylist():
        line = lines.setdefault(
            event["line"],
            {
                "events": 0,
                "by_kind": defaultdict(int),
                "data_bytes": 0,
                "transfer_bytes": 0,
                "voice_seconds": 0,
                "sms_count": 0,
                "amounts": defaultdict(lambda: defaultdict(Decimal)),
            },
        )
        kind = event["kind"]
        line["events"] += 1
        line["by_kind"][kind] += 1
        quantity = event["quantity"] or Decimal(0)
        if kind == "data":
            line["data_bytes"] += int(quantity)
        elif kind == "transfer":
            line["transfer_bytes"] += int(quantity)
        elif kind == "voice":
            line["voice_seconds"] += int(quantity)
        elif kind == "sms":
            line["sms_count"] += 1
        if event["amount"] is not None:
            line["amounts"][event["currency"]][kind] += event["amount"]
    return {
        key: {
            **value,
            "by_kind": dict(value["by_kind"]),
            "amounts": {
                c: {k: str(v) for k, v in kinds.items()} for c, kinds in value["amounts"].items()
            },
        }
        for key, value in lines.items()
    }
