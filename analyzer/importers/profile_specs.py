"""Column types of the profile language: how one event field is read from a column.

Each type is a pydantic model that forbids unknown options; a field written as a bare column
name or position takes its field's usual type (see ``DEFAULT_TYPES``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from analyzer.importers.base import MAX_COLUMNS as MAX_COLUMNS
from analyzer.regex import compile_re2

DEFAULT_TYPES = {
    "started_at": "timestamp",
    "ended_at": "timestamp",
    "period_start": "timestamp",
    "period_end": "timestamp",
    "amount": "money",
    "statement_total": "money",
    "quantity": "number",
    "duration_s": "duration",
    "roaming": "flag",
    "country": "country",
    "total_data_bytes": "data",
    "total_voice_seconds": "duration",
    "total_messages": "number",
}


class Strict(BaseModel):
    """A table of the profile: unknown keys are errors, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _regex(value: str | None) -> str | None:
    if value is not None:
        compile_re2(value)
    return value


Regex = Annotated[str, Field(description="A regular expression (RE2 syntax: no lookaround).")]
Column = Annotated[
    str | int,
    Field(description="A column: its header name as printed, or its position (1, 2, ...)."),
]


class SpecBase(Strict):
    column: Column = Field(description="The column (or PDF group, context or field) to read.")

    @field_validator("column")
    @classmethod
    def _position(cls, value: str | int) -> str | int:
        if isinstance(value, int) and not 1 <= value <= MAX_COLUMNS:
            raise ValueError(f"positions run from 1 to {MAX_COLUMNS}")
        return value


class NumberOptions(SpecBase):
    decimal: str | None = Field(None, description="Decimal mark of this column ([read] default).")
    thousands: str | None = Field(None, description="Thousands mark; '' for none.")
    exponent: bool = Field(False, description="Accept scientific notation (1.5E3).")
    digits: Literal["ascii", "any"] = Field(
        "ascii", description="'any' also reads other digit systems (١٢, full-width ０)."
    )


class QuantityOptions(NumberOptions):
    negative: bool = Field(
        False, description="Accept negative quantities (credits); otherwise they are rejects."
    )


class TextSpec(SpecBase):
    """Free text, trimmed; blank becomes empty."""

    type: Literal["text"] = "text"


class ValueSpec(Strict):
    """The same value on every row: ``{ value = "voice" }``."""

    type: Literal["value"] = "value"
    value: str | int | bool = Field(description="The constant.")


class FactSpec(Strict):
    """A statement field found above the table (a line printed in the preamble)."""

    type: Literal["fact"] = "fact"
    fact: str = Field(description="The name of a [statement] field.")


class MoneySpec(NumberOptions):
    """An amount: currency signs ignored, ``(1.00)`` and ``1.00-`` negative."""

    type: Literal["money"] = "money"
    negate: bool = Field(False, description="Flip the sign (balance movements: -1.00 charged).")
    zero: list[str] = Field(default_factory=list, description="Words printed for 0 ('Inclus').")


class NumberSpec(QuantityOptions):
    """A plain count or quantity in the event's unit."""

    type: Literal["number"] = "number"


class DataSpec(QuantityOptions):
    """A data volume to bytes: ``1,25 Go``, ``350 MB``, or a bare number in ``unit``."""

    type: Literal["data"] = "data"
    unit: Literal["B", "KB", "MB", "GB", "TB", "ko", "Mo", "Go", "To"] = Field(
        "B", description="Unit of bare numbers (a unit printed in the cell wins)."
    )
    base: Literal[1000, 1024] = Field(1024, description="1024 or 1000, as the carrier counts.")


class DurationSpec(SpecBase):
    """A duration to seconds: ``02min15s``, ``1:02:03``, ``2分32秒``, or a bare number."""

    type: Literal["duration"] = "duration"
    unit: Literal["seconds", "minutes", "hours"] = Field(
        "seconds", description="Unit of bare numbers."
    )
    negative: bool = Field(False, description="Accept negative durations (corrections).")


class TimestampSpec(SpecBase):
    """A local date and time, from one column or a date and a time column."""

    type: Literal["timestamp"] = "timestamp"
    time_column: Column | None = Field(None, description="A separate time-of-day column.")
    formats: list[str] | None = Field(
        None, description="strftime formats tried in order ([read] date_formats by default)."
    )
    locales: list[str] | None = Field(
        None, description="Languages of month names ([read] locales by default)."
    )


class ChoiceSpec(SpecBase):
    """Printed values mapped to a meaning, case-insensitively: ``{ Data = "data" }``."""

    type: Literal["choice"] = "choice"
    values: dict[str, str] = Field(description="Printed value -> meaning ('' for blank cells).")
    default: str | None = Field(None, description="Meaning of any other value (else a reject).")


class FlagSpec(SpecBase):
    """Yes or no (roaming)."""

    type: Literal["flag"] = "flag"
    true: list[str] | None = Field(None, description="Values that mean yes.")
    false: list[str] | None = Field(None, description="Values that mean no.")


class CountrySpec(SpecBase):
    """A country by name in any language, or by ISO code."""

    type: Literal["country"] = "country"
    aliases: dict[str, str] = Field(default_factory=dict, description="Extra name -> ISO code.")
    trailing: bool = Field(False, description="The country ends a place ('CANCUN MEXICO').")


class ScaledSpec(QuantityOptions):
    """A number whose unit is printed in another column (``Units`` x ``Unit Type``)."""

    type: Literal["scaled"] = "scaled"
    unit_column: Column = Field(description="The column that names the unit.")
    factors: dict[str, int | float | str] = Field(
        description="Unit name -> what one unit is in the event's unit (KB = 1024)."
    )


class WhenSpec(Strict):
    """One spec or another, chosen per row by whether a column matches a pattern."""

    type: Literal["when"] = "when"
    column: Column = Field(description="The column tested.")
    pattern: Regex = Field(description="Rows whose column matches take `then`, others `else`.")
    then: Spec = Field(description="The spec for matching rows.")
    else_: Spec = Field(alias="else", description="The spec for the other rows.")

    _check = field_validator("pattern")(_regex)


Spec = Annotated[
    TextSpec
    | ValueSpec
    | FactSpec
    | MoneySpec
    | NumberSpec
    | DataSpec
    | DurationSpec
    | TimestampSpec
    | ChoiceSpec
    | FlagSpec
    | CountrySpec
    | ScaledSpec
    | WhenSpec,
    Field(discriminator="type"),
]
SPEC_MODELS: dict[str, type[BaseModel]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        TextSpec,
        ValueSpec,
        FactSpec,
        MoneySpec,
        NumberSpec,
        DataSpec,
        DurationSpec,
        TimestampSpec,
        ChoiceSpec,
        FlagSpec,
        CountrySpec,
        ScaledSpec,
        WhenSpec,
    )
}
SPEC_TYPES = tuple(SPEC_MODELS)
WhenSpec.model_rebuild()


def normalise_spec(field: str, value: Any, default: str | None = None) -> Any:
    """Shorthands to the full form: ``"Col"``/``3`` -> a column of the field's default type."""
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = {"column": value}
    if not isinstance(value, dict) or "type" in value:
        out = value
    elif "value" in value:
        out = {"type": "value", **value}
    elif "fact" in value:
        out = {"type": "fact", **value}
    elif "values" in value:
        out = {"type": "choice", **value}
    elif "unit_column" in value:
        out = {"type": "scaled", **value}
    else:
        out = {"type": default or DEFAULT_TYPES.get(field, "text"), **value}
    if isinstance(out, dict) and out.get("type") == "when":
        out = dict(out)
        for branch in ("then", "else"):
            if branch in out:
                out[branch] = normalise_spec(field, out[branch], default)
    return out
