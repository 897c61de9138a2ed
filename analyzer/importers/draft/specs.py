"""How mapped columns are read: the [fields] specs of a tabular draft, and the statement facts
printed above its table."""

from __future__ import annotations

import re
from typing import Any

from analyzer.importers.draft import values as v
from analyzer.importers.draft.columns import Column
from analyzer.importers.draft.table import Table
from analyzer.importers.draft.toml import Draft
from analyzer.importers.draft.words import COUNTERPARTS, UNANSWERED, fold, words_in


def write_fields(fields: dict[str, Column], draft: Draft) -> None:
    """The [fields] table: each mapped column with the spec its values need."""
    out = draft.fields
    for name in ("line", "started_at", "ended_at"):
        if name in fields:
            out[name] = fields[name].key
    if "time" in fields and "started_at" in fields:
        out["started_at"] = {"column": fields["started_at"].key, "time_column": fields["time"].key}
    kinds = _write_kind(fields, draft)
    if "direction" in fields:
        out["direction"] = _direction_spec(fields["direction"])
    _write_quantity(fields, kinds, draft)
    _write_descriptive(fields, draft)
    if "_disposition" in fields:
        draft.skip.append(_unanswered_skip(fields["_disposition"]))


def _write_descriptive(fields: dict[str, Column], draft: Draft) -> None:
    """Who, where and how much: counterparty, network, country, roaming, amount."""
    out = draft.fields
    for name in ("counterparty", "network", "description"):
        if name in fields:
            out[name] = fields[name].key
    if "counterparty" in fields and not fields["counterparty"].phones:
        draft.note(
            "fields.counterparty",
            f"the values of {fields['counterparty'].label} do not look like phone numbers",
        )
    if "country" in fields:
        out["country"] = _country_spec(fields["country"], draft)
    if "roaming" in fields and fields["roaming"].roaming_flags:
        out["roaming"] = _roaming_spec(fields["roaming"])
    if "amount" in fields:
        out["amount"] = fields["amount"].key
        if "currency" in fields:
            out["currency"] = fields["currency"].key
        elif draft.read.get("currency"):
            out["currency"] = {"value": draft.read["currency"]}


def _write_kind(fields: dict[str, Column], draft: Draft) -> set[str]:
    """The kind spec (a column's values, or one kind for every row); returns the kinds seen."""
    kind_column = fields.get("kind")
    if kind_column is None:
        kind, why = _constant_kind(fields)
        draft.fields["kind"] = {"value": kind}
        draft.note("fields.kind", f"every row is taken as {kind}: {why}")
        return {kind}
    draft.fields["kind"] = {"column": kind_column.key, "values": dict(kind_column.kinds)}
    unknown = [x for x in kind_column.distinct if x not in kind_column.kinds]
    if unknown:
        draft.note(
            "fields.kind",
            f"no kind is known for {', '.join(map(repr, unknown[:3]))}: "
            "add them to the values (their rows are rejected until then)",
        )
    return set(kind_column.kinds.values())


def _direction_spec(column: Column) -> dict[str, Any]:
    """The direction's values; a file that prints only one side gets its counterpart too."""
    values = dict(column.directions)
    if len(set(values.values())) == 1:
        for seen, meaning in list(values.items()):
            other = COUNTERPARTS.get(seen.lower())
            if other:
                values[other] = "in" if meaning == "out" else "out"
    return {"column": column.key, "values": values}


def _write_quantity(fields: dict[str, Column], kinds: set[str], draft: Draft) -> None:
    """The quantity in each kind's unit: seconds for calls, bytes for data, one per message."""
    out = draft.fields
    counted = fields.get("quantity")
    plain = (
        counted is not None
        and "data" not in kinds
        and not counted.unit
        and not counted.volumes
        and counted.numeric
    )
    if plain:
        assert counted is not None
        out["quantity"] = {"column": counted.key, "type": "number"}
        draft.note(
            "fields.quantity.unit",
            f"{counted.label} names no unit; read as a number in each kind's unit "
            "(seconds for calls, messages for texts)",
        )
    volume = None if plain else _volume_spec(counted, draft)
    duration = _duration_spec(fields.get("duration_s"), draft, "duration_s")
    billed = _duration_spec(fields.get("billed"), draft, "quantity")
    kind_column = fields.get("kind")
    if kinds <= {"voice"} and (billed or duration):
        out["quantity"] = billed or duration
        if billed and duration:
            out["duration_s"] = duration
    elif kinds <= {"data"} and volume:
        out["quantity"] = volume
    elif kinds <= {"sms", "mms"}:
        out["quantity"] = {"value": 1}
    elif kind_column is not None and (volume or duration):
        out["quantity"] = _quantity_by_kind(kind_column, volume, duration)
        if duration:
            out["duration_s"] = duration
    elif volume or duration:
        out["quantity"] = volume or duration
        draft.note("fields.quantity", "the rows' kinds differ; check the quantity's unit")


def _roaming_spec(column: Column) -> dict[str, Any]:
    """Roaming flags; one printed side implies its counterpart ("yes" gives "no")."""
    yes, no = column.roaming_flags
    yes = yes or [COUNTERPARTS[x.lower()] for x in no if x.lower() in COUNTERPARTS]
    no = no or [COUNTERPARTS[x.lower()] for x in yes if x.lower() in COUNTERPARTS]
    return {"column": column.key, "true": yes, "false": no}


def _unanswered_skip(column: Column) -> dict[str, str]:
    """Unanswered calls are not billed usage: a skip rule for their disposition words."""
    unanswered = [x for x in column.distinct if fold(x) in {fold(w) for w in UNANSWERED}]
    words = sorted({*unanswered, *(w.upper() for w in UNANSWERED)})
    return {
        "column": column.key,
        "pattern": "^(?:" + "|".join(v.escape(w) for w in words) + ")$",
        "reason": "not billed usage (the call was not answered)",
    }


def _quantity_by_kind(
    kind_column: Column, volume: dict[str, Any] | None, duration: dict[str, Any] | None
) -> dict[str, Any]:
    """Each kind's quantity from its own column: calls' durations, data volumes, one message."""
    by_kind = {
        "voice": duration,
        "data": volume,
        "sms": {"value": 1},
        "mms": {"value": 1},
    }
    branches = []
    for kind, spec in by_kind.items():
        printed = [k for k, meaning in kind_column.kinds.items() if meaning == kind]
        if printed and spec is not None:
            pattern = "^(?:" + "|".join(v.escape(x) for x in printed) + ")$"
            branches.append((pattern, spec))
    result: dict[str, Any] = duration or volume or {"value": 1}
    for pattern, spec in reversed(branches):
        result = {
            "type": "when",
            "column": kind_column.key,
            "pattern": pattern,
            "then": spec,
            "else": result,
        }
    return result


def _constant_kind(fields: dict[str, Column]) -> tuple[str, str]:
    quantity, duration = fields.get("quantity"), fields.get("duration_s")
    if quantity and (quantity.unit or ("data", ""))[0] == "data" and not duration:
        return "data", "the file has a data volume and no durations"
    if duration or fields.get("_disposition"):
        return "voice", "the file has call durations and no data volumes"
    direction = fields.get("direction")
    if direction and any(
        words_in(k, ("sent", "received", "发送", "接收")) for k in direction.distinct
    ):
        return "sms", "the rows are sent or received, with no duration or volume"
    return "fee", "no column says what the rows are"


def _volume_spec(column: Column | None, draft: Draft) -> dict[str, Any] | None:
    if column is None:
        return None
    spec: dict[str, Any] = {"column": column.key, "type": "data"}
    if column.unit and column.unit[0] == "data":
        spec["unit"] = column.unit[1]
    elif not column.volumes:
        spec["unit"] = "B"
        draft.note(
            "fields.quantity.unit",
            f"{column.label} names no unit and its values print none; read as bytes",
        )
    return spec


def _duration_spec(column: Column | None, draft: Draft, name: str) -> dict[str, Any] | None:
    if column is None:
        return None
    spec: dict[str, Any] = {"column": column.key, "type": "duration"}
    if column.unit and column.unit[0] == "duration":
        if column.unit[1] == "minutes":
            spec["unit"] = "minutes"
    elif not column.durations:
        draft.note(
            f"fields.{name}.unit",
            f"{column.label} names no unit and its values are bare numbers; read as seconds",
        )
    return spec


def _country_spec(column: Column, draft: Draft) -> Any:
    codes = column.countries()
    aliases = {name: code for name, code in codes.items() if code and fold(name) != code.lower()}
    unknown = [name for name, code in codes.items() if code is None]
    if unknown:
        draft.note("fields.country", f"no country is known by {unknown[0]!r}; add an alias")
    known = {k: c for k, c in aliases.items() if not _plain_name(k)}
    return {"column": column.key, "aliases": known} if known else column.key


def _plain_name(name: str) -> bool:
    from analyzer.importers.draft.columns import _country_names

    return fold(name) in _country_names()


def write_statement(table: Table, draft: Draft) -> None:
    """Preamble lines such as `总条数：23` or `Account: 123` become statement patterns."""
    account_words = ("account", "账号", "账户", "cuenta", "compte", "konto", "conta", "客户")
    number_words = ("number", "号码", "numero", "nummer", "手机")
    for line in table.preamble:
        match = re.match(r"^\s*([^:：]{1,30}?)\s*[:：]\s*(\S.*?)\s*$", line)
        if not match:
            continue
        label = match.group(1)
        pattern = v.escape(label) + r"\s*[:：]\s*([^,;\t\n]*[^,;\t\n\s])"
        if words_in(label, account_words) or any(w in label for w in account_words[1:3]):
            draft.statement.setdefault("account", pattern)
        elif words_in(label, number_words) and v.is_phone(match.group(2)):
            draft.statement.setdefault("line", pattern)
        else:
            name = fold(label).replace(" ", "_") or f"fact{len(draft.statement) + 1}"
            draft.statement.setdefault("extra", {})[name] = pattern
