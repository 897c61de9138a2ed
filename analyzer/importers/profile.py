"""TOML carrier profiles: a carrier's layout in one file, no code, for CSV, spreadsheets and PDF.

The language is defined once, in :mod:`analyzer.importers.profile_schema` (and documented in
``docs/profiles.md``, generated from it). This module finds profile files, turns a validation
failure into one message naming the file and the key (with the nearest known key for a typo),
and compiles a valid profile into the engine's layouts: :class:`TabularLayout` for CSV and
spreadsheets, :class:`PdfLayout` for PDF bills. Profiles shipped with the package live in
``analyzer/profiles/``; users' profiles beside their bills, in their config folder, or in a
folder named with ``--profiles``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from analyzer.errors import ProfileError
from analyzer.importers import profile_schema as schema
from analyzer.importers import profile_specs as specs_schema
from analyzer.importers.base import Importer, TableMapping
from analyzer.importers.conditions import All, Any_, Not, RowMatch
from analyzer.importers.profile_files import USER_PROFILES as USER_PROFILES
from analyzer.importers.profile_files import load_profiles as load_profiles
from analyzer.importers.profile_files import profile_dirs as profile_dirs
from analyzer.importers.profile_files import shipped_profiles as shipped_profiles
from analyzer.importers.profile_files import user_profile_dir as user_profile_dir
from analyzer.importers.records import StatementRecord, profile_facts
from analyzer.importers.specs import (
    Choice,
    Const,
    Country,
    DataVolume,
    Duration,
    Flag,
    Money,
    Number,
    Scaled,
    Spec,
    Text,
    Timestamp,
    When,
)
from analyzer.importers.tabular import Fact, TabularLayout
from analyzer.importers.years import YEAR_UNKNOWN
from analyzer.regex import PatternError, compile_re2, translate

# Tried in this order when a profile names no date format; one must read every date of a file,
# and a file whose dates fit two of them (all days <= 12) is refused as ambiguous.
COMMON_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d",
)
FORMATS = {
    "csv": (".csv", ".tsv", ".txt"),
    "xlsx": (".xlsx", ".xlsm"),
    "xls": (".xls",),
    "pdf": (".pdf",),
}


def load_profile(path: Path) -> Importer:
    """One profile file to an importer; any problem is a ProfileError naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path}: not valid TOML ({exc})") from exc
    return compile_profile(parse_profile(data, path), path)


def parse_profile(data: dict[str, Any], source: Path) -> schema.Profile:
    """Validate a parsed TOML document; the first problem becomes a ProfileError."""
    try:
        return schema.Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(f"{source}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    """The first error as 'key.path: problem', with a suggestion for an unknown key."""
    errors = exc.errors(include_url=False)
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc, model = _walk(error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":  # a key of a table whose keys are a fixed list
        known = str(error.get("ctx", {}).get("expected", "")).split("'")[1::2]
        loc = loc[:-1]
        message = f"unknown field{schema.suggest(loc[-1], known)} (known: {', '.join(known)})"
    elif error["type"] == "extra_forbidden":
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        message = f"unknown key{schema.suggest(loc[-1], known)}"
        if known:
            message += f" (known: {', '.join(sorted(known))})"
    elif error["type"] == "missing":
        message = "is required"
    elif error["type"] == "union_tag_invalid":
        loc = [*loc, "type"]
        tag = error.get("ctx", {}).get("tag")
        message = f"unknown type {tag!r}{schema.suggest(tag, specs_schema.SPEC_TYPES)} (use one of "
        message += f"{', '.join(specs_schema.SPEC_TYPES)})"
    elif error["type"] == "literal_error" and "expected" in error.get("ctx", {}):
        message = f"{error['input']!r} is not one of {error['ctx']['expected']}"
    key = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    return f"{key}: {message}" if key else message


def _walk(loc: Sequence[Any]) -> tuple[list[Any], Any]:
    """The error's path without union tags, and the model of the table the path ends in."""
    model: Any = schema.Profile
    clean: list[Any] = []
    in_fields = False  # the next key names an event field; the one after it may be a tag
    expect_tag = False
    for part in loc[:-1] if loc else ():
        if expect_tag and part in specs_schema.SPEC_TYPES:
            model, expect_tag = specs_schema.SPEC_MODELS[part], False
            continue
        clean.append(part)
        expect_tag = in_fields or part in ("then", "else")
        in_fields = part == "fields"
        if isinstance(part, int) or expect_tag:
            continue
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
            model = _inner_model(field.annotation) if field else None
    if loc:
        clean.append(loc[-1])
    return clean, model


def _inner_model(annotation: Any) -> Any:
    """The model inside ``X | None``, ``list[X]`` or ``dict[str, X]``."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def compile_profile(profile: schema.Profile, source: Path) -> Importer:
    """A validated profile as the engine's layout."""
    try:
        if profile.format == "pdf":
            return _pdf_layout(profile, source)
        return _tabular_layout(profile, source)
    except (ValueError, PatternError) as exc:
        raise ProfileError(f"{source}: {exc}") from None


def _column(value: str | int) -> str:
    return f"#{value}" if isinstance(value, int) else value


def _condition(condition: schema.Condition) -> Any:
    if condition.all is not None:
        return All(tuple(_condition(c) for c in condition.all))
    if condition.any is not None:
        return Any_(tuple(_condition(c) for c in condition.any))
    if condition.not_ is not None:
        return Not(_condition(condition.not_))
    assert condition.column is not None and condition.pattern is not None
    return RowMatch(_column(condition.column), translate(condition.pattern))


class _Specs:
    """Compiles spec models with the profile's [read] defaults (marks, date formats)."""

    def __init__(self, read: schema.Read) -> None:
        self.decimal = read.decimal
        self.thousands = read.thousands_mark()
        self.formats = tuple(read.formats() or COMMON_DATE_FORMATS)
        self.locales = tuple(read.locales)

    def marks(self, spec: Any) -> dict[str, Any]:
        """How the column writes numbers: marks, notation, digits and (quantities) sign."""
        decimal = spec.decimal if spec.decimal is not None else self.decimal
        thousands = (spec.thousands or None) if spec.thousands is not None else self.thousands
        if thousands == decimal:
            raise ValueError(f"{spec.type} column {spec.column!r}: decimal equals thousands")
        options = {
            "decimal": decimal,
            "thousands": thousands,
            "exponent": spec.exponent,
            "digits": spec.digits,
        }
        if hasattr(spec, "negative"):
            options["negative"] = spec.negative
        return options

    def compile(self, spec: Any) -> Spec | Fact:
        """The engine's spec for one column type (options from the profile and [read])."""
        kind = spec.type
        if kind == "value":
            return Const(spec.value)
        if kind == "fact":
            return Fact(spec.fact)
        if kind == "when":
            then, otherwise = self.compile(spec.then), self.compile(spec.else_)
            return When(_column(spec.column), translate(spec.pattern), then, otherwise)
        return getattr(self, f"_{kind}")(spec, _column(spec.column))

    def _text(self, spec: Any, column: str) -> Spec:
        return Text(column)

    def _money(self, spec: Any, column: str) -> Spec:
        return Money(column, negate=spec.negate, zero=tuple(spec.zero), **self.marks(spec))

    def _number(self, spec: Any, column: str) -> Spec:
        return Number(column, **self.marks(spec))

    def _data(self, spec: Any, column: str) -> Spec:
        return DataVolume(column, unit=spec.unit, base=spec.base, **self.marks(spec))

    def _duration(self, spec: Any, column: str) -> Spec:
        return Duration(column, unit=spec.unit, negative=spec.negative)

    def _timestamp(self, spec: Any, column: str) -> Spec:
        time_column = _column(spec.time_column) if spec.time_column is not None else None
        formats = tuple(spec.formats) if spec.formats else self.formats
        locales = tuple(spec.locales) if spec.locales else self.locales
        # A format without a year is placed in one per file (analyzer.importers.years).
        yearless = any(not re.search("%[YyG]", f) for f in formats)
        return Timestamp(
            column,
            time_column,
            formats=formats,
            locales=locales,
            year=YEAR_UNKNOWN if yearless else None,
        )

    def _choice(self, spec: Any, column: str) -> Spec:
        values = {k: (v or None) for k, v in spec.values.items()}
        return Choice(column, values, default=spec.default)

    def _flag(self, spec: Any, column: str) -> Spec:
        options = {k: tuple(v) for k in ("true", "false") if (v := getattr(spec, k))}
        return Flag(column, **options)

    def _country(self, spec: Any, column: str) -> Spec:
        return Country(column, aliases=spec.aliases, trailing=spec.trailing)

    def _scaled(self, spec: Any, column: str) -> Spec:
        return Scaled(column, _column(spec.unit_column), spec.factors, **self.marks(spec))

    def fields(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {name: self.compile(spec) for name, spec in fields.items()}


def _table_mappings(
    profile: schema.Profile, specs: _Specs
) -> tuple[list[TableMapping], list[StatementRecord]]:
    """The record types of a table (a CSV, a sheet, a PDF's ruled tables) as engine mappings."""
    read = profile.read
    skips = [RowMatch(_column(s.column), translate(s.pattern)) for s in profile.skip if s.column]
    summary = profile.summary
    common: dict[str, Any] = {
        "region": read.region,
        "skip": skips[0] if len(skips) == 1 else (Any_(tuple(skips)) if skips else None),
        "skip_reason": profile.skip[0].reason if profile.skip else "not usage",
        "summary": RowMatch(_column(summary.column), translate(summary.pattern))
        if summary
        else None,
        "summary_total": Money(_column(summary.total), read.decimal, specs.thousands)
        if summary and summary.total is not None
        else None,
        "derived": {
            name: (_column(d.column), translate(d.pattern)) for name, d in profile.derived.items()
        },
        "carry": tuple(
            (c.name, _column(c.column), translate(c.pattern))
            for c in profile.context
            if c.column is not None
        ),
        "fill_down": tuple(_column(c) for c in read.fill_down),
        "international": read.numbers == "international",
    }
    mappings = []
    if profile.fields is not None:
        mappings.append(TableMapping(fields=specs.fields(profile.fields), also=True, **common))
    statement_records = []
    for record in profile.records:
        where = _condition(record.where) if record.where else None
        if record.fields is None:
            assert where is not None
            statement_records.append(
                StatementRecord(
                    where=where,
                    fields=specs.fields(record.statement or record.stated or {}),
                    stated=record.stated is not None,
                    name=record.name,
                )
            )
            continue
        mappings.append(
            TableMapping(
                fields=specs.fields(record.fields),
                where=where,
                also=record.also,
                name=record.name,
                **common,
            )
        )
    if not mappings:
        raise ValueError("records: no record type gives events (fields)")
    return mappings, statement_records


def _tabular_layout(profile: schema.Profile, source: Path) -> TabularLayout:
    read, specs = profile.read, _Specs(profile.read)
    mappings, statement_records = _table_mappings(profile, specs)
    identify = profile.identify
    return TabularLayout(
        statement_records=tuple(statement_records),
        name=profile.name,
        carrier=profile.carrier or profile.name,
        header=tuple(identify.header),
        mapping=tuple(mappings),
        suffixes=FORMATS[profile.format],
        filename=translate(identify.filename) if identify.filename else None,
        keywords=tuple(identify.keywords),
        encoding=read.encoding,
        delimiter=read.delimiter,
        sheet=read.sheet,
        sheet_pattern=translate(read.sheet_pattern) if read.sheet_pattern else None,
        facts_sheet=read.facts_sheet,
        headerless_columns=identify.columns,
        signature=translate(identify.signature) if identify.signature else None,
        currency=read.currency,
        preamble_fields={k: translate(v) for k, v in profile.statement.patterns().items()},
        as_of_formats=tuple(profile.statement.date_formats or ())
        or TabularLayout.__dataclass_fields__["as_of_formats"].default,
        unmatched=read.unmatched or None,
        decimal=read.decimal,
        source=source,
        year=read.year,
        profile_facts=profile_facts(profile.statement.itemises, profile.copies.model_dump()),
    )


def _pdf_layout(profile: schema.Profile, source: Path) -> Any:
    from analyzer.importers.pdf import Context, PdfLayout, PdfLimits, RowPattern, Skip

    read, specs = profile.read, _Specs(profile.read)
    table_mappings: list[TableMapping] = []
    if read.tables:
        table_mappings, records = _table_mappings(profile, specs)
        if records:
            raise ValueError("records: a PDF's facts come from [statement] patterns")
    rows = []
    for index, record in enumerate(profile.records if not read.tables else ()):
        assert record.pattern is not None
        rows.append(
            RowPattern(
                name=record.name or f"record{index + 1}",
                pattern=translate(record.pattern),
                mapping=TableMapping(
                    fields=specs.fields(record.fields),
                    region=read.region,
                    international=read.numbers == "international",
                ),
                when={k: translate(v) for k, v in record.when.items()},
                defaults=dict(record.defaults),
                continued=translate(record.continued) if record.continued else None,
                continue_into=record.continue_into,
                max_continued=record.max_continued,
            )
        )
        if record.continued and record.continue_into not in compile_re2(record.pattern).groupindex:
            raise ValueError(
                f"records[{index}].continue_into: the pattern has no group named "
                f"{record.continue_into!r}"
            )
    statement = profile.statement
    unsupported = [
        n
        for n in ("as_of", "balance_after", "allowance_bytes", "row_count")
        if getattr(statement, n)
    ]
    if unsupported or statement.extra:
        raise ValueError(
            f"statement.{(unsupported or list(statement.extra))[0]}: not read from PDF"
        )
    limits = profile.limits
    return PdfLayout(
        name=profile.name,
        carrier=profile.carrier or profile.name,
        keywords=tuple(profile.identify.keywords),
        rows=tuple(rows),
        fields={k: translate(v) for k, v in statement.patterns().items()},
        filename=translate(profile.identify.filename) if profile.identify.filename else None,
        date_formats=tuple(read.formats() or statement.date_formats or ("%d/%m/%Y",)),
        decimal=read.decimal,
        thousands=specs.thousands,
        currency=read.currency,
        region=read.region,
        context=tuple(Context(c.name, translate(c.pattern)) for c in profile.context),
        skip=tuple(
            Skip(translate(s.pattern), {k: translate(v) for k, v in s.when.items()})
            for s in profile.skip
        ),
        item=translate(profile.item) if profile.item else None,
        limits=PdfLimits(
            seconds=float(limits.seconds),
            memory_bytes=limits.memory_mb << 20,
            pages=limits.pages,
        ),
        anchored=False,
        source=source,
        pages=tuple(read.pages),
        page_pattern=translate(read.page_pattern) if read.page_pattern else None,
        tables=dict(read.table_settings) if read.tables else None,
        header=tuple(profile.identify.header),
        table_mappings=tuple(table_mappings),
        unmatched=read.unmatched or None,
        fill_down=tuple(str(c) for c in read.fill_down),
        year=read.year,
        profile_facts=profile_facts(profile.statement.itemises, profile.copies.model_dump()),
    )
