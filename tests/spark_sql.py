"""A rule's DuckDB SQL as Spark SQL: sqlglot's transpiler plus the rewrites it does not make.

The rules are written for DuckDB. sqlglot turns most of their SQL into Spark's dialect; what
it leaves (DuckDB's ``format('{}')``, ordered ``list(...)`` aggregates, list slices, RE2 full
matches, ``$name`` parameters, ``* EXCLUDE``) is rewritten here on the parsed tree, and the
project's macros (``money_text``, ``minor_unit``, ``line_text``) and DuckDB's ``format_bytes`` are registered
in Spark as functions of the same name (see ``register_functions``).
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlglot
from sqlglot import exp


def literal(value: Any) -> str:
    """A parameter's value as an SQL literal (rules take numbers and strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def with_params(sql: str, params: dict[str, Any]) -> str:
    """``$name`` replaced by the value's literal (Spark SQL has no ``$`` parameters)."""
    for name in sorted(params, key=len, reverse=True):
        sql = sql.replace(f"${name}", literal(params[name]))
    return sql


def _ordered_list(node: exp.ArrayAgg) -> exp.Expression:
    """``list(x ORDER BY a DESC, b)`` -> the values of ``array_sort(collect_list(struct))``."""
    order: exp.Order = node.this
    keys = []
    for index, ordered in enumerate(order.expressions):
        key = ordered.this
        if ordered.args.get("desc"):
            key = exp.Neg(this=exp.Paren(this=key))
        keys.append(exp.alias_(key, f"k{index}"))
    value = exp.alias_(order.this, "v")
    struct = exp.func("struct", *keys, value)
    collected = exp.func("array_sort", exp.func("collect_list", struct))
    return sqlglot.parse_one(f"transform({collected.sql('spark')}, s -> s.v)", read="spark")


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Order):
        return _ordered_list(node)
    if isinstance(node, exp.Format | exp.RegexpFullMatch):
        return _rewrite_text(node)
    if isinstance(node, exp.ToDays):
        return exp.func("make_dt_interval", node.this)
    if isinstance(node, exp.Anonymous) and node.name.lower() == "to_hours":
        return exp.func("make_dt_interval", exp.Literal.number(0), node.expressions[0])
    if (
        isinstance(node, exp.Length)
        and isinstance(node.this, exp.Column)
        and node.this.name == "lines"
    ):
        return exp.func("size", node.this)  # DuckDB's len() of a list
    if isinstance(node, exp.Sub) and all(_is_date_column(side) for side in node.unnest_operands()):
        return exp.func("datediff", node.this, node.expression)  # DuckDB: days, Spark: interval
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        piece = node.expressions[0]
        if isinstance(piece, exp.Slice):
            return _slice(node.this, piece)
    return node


def _rewrite_text(node: exp.Expression) -> exp.Expression:
    """DuckDB's format('{}') and regexp_full_match in Spark's words."""
    if isinstance(node, exp.Format):
        pattern = node.this
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            text = pattern.this.replace("%", "%%").replace("{}", "%s")
            args = [arg.transform(_rewrite) for arg in node.expressions]
            return exp.func("format_string", exp.Literal.string(text), *args)
        return node
    anchored = exp.func(
        "concat", exp.Literal.string("^(?:"), node.expression, exp.Literal.string(")$")
    )
    return exp.RegexpLike(this=node.this.transform(_rewrite), expression=anchored)


def _is_date_column(node: exp.Expression) -> bool:
    """The DATE columns the rules subtract (period_start, period_end)."""
    return isinstance(node, exp.Column) and node.name in ("period_start", "period_end")


def _slice(array: exp.Expression, piece: exp.Slice) -> exp.Expression:
    """DuckDB ``l[a:b]`` (1-based, inclusive, negative from the end) -> Spark ``slice``."""
    start, end = piece.this, piece.expression
    if start is not None and end is not None:
        length = exp.Add(
            this=exp.Sub(this=end.copy(), expression=start.copy()), expression=exp.Literal.number(1)
        )
        return exp.func("slice", array, start, length)
    if start is not None:  # l[-1:] the last element(s)
        return exp.func("slice", array, start, exp.func("size", array.copy()))
    return exp.func("slice", array, exp.Literal.number(1), end)


def to_spark(sql: str, params: dict[str, Any] | None = None) -> str:
    """One rule (or view) in Spark SQL."""
    tree = sqlglot.parse_one(with_params(sql, params or {}), read="duckdb")
    tree = tree.transform(_rewrite)
    return tree.sql(dialect="spark")


def minor_unit(currency: str | None) -> Decimal:
    """The macro minor_unit (schema.sql): the smallest amount a currency is printed in."""
    code = (currency or "").upper()
    if code in {
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
        "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    }:  # fmt: skip
        return Decimal("1.0")
    if code in {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}:
        return Decimal("0.001")
    return Decimal("0.01")


def money_text(amount: Decimal | None, currency: str | None) -> str | None:
    """The macro money_text (schema.sql): "10.00 USD", "1500 XPF"."""
    if amount is None:
        return None
    unit = minor_unit(currency)
    places = Decimal(1) if unit == 1 else unit
    return f"{Decimal(amount).quantize(places, rounding=ROUND_HALF_UP)} {currency or ''}"


def line_text(line: str | None) -> str:
    """The macro line_text (schema.sql): a line's number, or what stands for a missing one."""
    return "(no number printed)" if line is None else line


def format_bytes(value: int | None) -> str | None:
    """DuckDB's format_bytes: powers of 1024, one decimal cut (not rounded), "bytes" below 1 KiB."""
    if value is None:
        return None
    number = int(value)
    if abs(number) < 1024:
        return f"{number} bytes"
    size = float(abs(number))
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        size /= 1024
        if size < 1024 or unit == "EiB":
            sign = "-" if number < 0 else ""
            return f"{sign}{math.floor(size * 10) / 10:.1f} {unit}"
    raise AssertionError("unreachable")


def register_functions(spark: Any) -> None:
    """The macros and DuckDB functions the rules call, as Spark functions of the same name."""
    import sys

    from pyspark import cloudpickle
    from pyspark.sql.types import DecimalType, StringType

    # the workers do not have the tests folder on their path: send the functions' code
    cloudpickle.register_pickle_by_value(sys.modules[__name__])

    spark.udf.register("minor_unit", minor_unit, DecimalType(18, 4))
    spark.udf.register("money_text", money_text, StringType())
    spark.udf.register("format_bytes", format_bytes, StringType())
    spark.udf.register("line_text", line_text, StringType())
