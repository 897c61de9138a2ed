"""Import, analyse and report: the steps of `analyzer run`, callable from a notebook."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.api.database import Database, connection, path_of
from analyzer.api.outputs import check_output
from analyzer.config import apply_config, find_config, load_config
from analyzer.rules import parse_param_overrides, rule_failures, run_rules

if TYPE_CHECKING:
    import duckdb

    from analyzer.importing import FileResult
    from analyzer.report import ReportData


def import_paths(
    db: str | Path | Database, paths: Sequence[str | Path], **options: Any
) -> list[FileResult]:
    """Import bill files or folders; one result per file (imported, skipped, failed...)."""
    from analyzer.importers import ImportOptions
    from analyzer.importing import import_paths as _import_paths

    with connection(db) as con:
        return _import_paths(con, [Path(p) for p in paths], options=ImportOptions(**options))


def analyse(
    db: str | Path | Database,
    *,
    folder: Path | None,
    config_path: Path | None = None,
    params: Sequence[str] = (),
    out: Path | None = None,
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
    skip_if_unchanged: bool = False,
) -> dict[str, Any]:
    """Apply analyzer.toml, run every rule, and write the report when ``out`` is given.

    With ``skip_if_unchanged``, nothing is redone when the database, its files, settings, rules
    and report options are those of the last run and the report at ``out`` is byte for byte the
    one that run wrote (``unchanged`` is then True). An output that would overwrite the
    database or an input is refused first.
    """
    config_file = find_config(folder, config_path)
    config = load_config(config_file)
    overrides = {k: dict(v) for k, v in config.rule_params.items()}
    for rule_id, values in parse_param_overrides(list(params)).items():
        overrides.setdefault(rule_id, {}).update(values)
    if out is not None:
        check_output(out, db, _inputs(folder, config_file))
    with connection(db) as con:
        options = [path_of(db), out, period, lang, mask]
        fingerprint = _run_fingerprint(con, config_file, overrides, options)
        recorded = dict(
            con.execute(
                "SELECT key, value FROM meta WHERE key IN ('last_run', 'last_report')"
            ).fetchall()
        )
        unchanged = (
            skip_if_unchanged
            and out is not None
            and recorded.get("last_run") == fingerprint
            and recorded.get("last_report") == _file_digest(out)
        )
        if not unchanged:
            apply_config(con, config)
            run_rules(con, overrides)
        failures = [failure.message for failure in rule_failures(con)]
        counts = dict(con.sql("SELECT severity, count(*) FROM findings GROUP BY ALL").fetchall())
        events = con.sql("SELECT count(*) FROM usage").fetchall()[0][0]
        report_path = out
        if out is not None and not unchanged:
            report_path = save_report(build_report(con, period=period, lang=lang, mask=mask), out)
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('last_run', ?), ('last_report', ?)",
                [fingerprint, _file_digest(out)],
            )
    return {
        "findings": counts,
        "events": events,
        "report": report_path,
        "unchanged": unchanged,
        "rule_failures": failures,
    }


def _inputs(folder: Path | None, config_file: Path | None) -> list[Path]:
    """The files a run reads: the bills under ``folder`` and its settings file."""
    from analyzer.importing import discover

    found = discover([folder])[0] if folder is not None else []
    return [*found, *([config_file] if config_file else [])]


def _file_digest(path: Path) -> str | None:
    """The sha256 of the report as written, so a report replaced since then is not 'current'."""
    from analyzer.store import sha256_of

    try:
        return sha256_of(path)
    except OSError:
        return None


def _run_fingerprint(
    con: duckdb.DuckDBPyConnection,
    config_file: Path | None,
    overrides: dict[str, dict[str, Any]],
    report_options: list[Any],
) -> str:
    """What a run's findings and report depend on: the database and its files (sha256),
    settings, rules, report options (output path included) and the analyzer's version."""
    import hashlib
    import json
    from importlib import metadata

    from analyzer.rules import load_rules

    sources = con.sql("SELECT list(sha256 || status ORDER BY sha256) FROM sources").fetchall()
    state = {
        "version": metadata.version("usage-analyzer"),
        "sources": sources[0][0],
        "config": config_file.read_text("utf-8") if config_file else None,
        "overrides": overrides,
        "rules": [rule.sql for rule in load_rules()],
        "report": [str(Path(o).resolve()) if isinstance(o, Path) else o for o in report_options],
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def build_report(
    db: str | Path | Database | duckdb.DuckDBPyConnection,
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
) -> ReportData:
    """The report's data (charts, tables); it shows itself in a notebook, ``.save_html(path)``.

    ``db`` is what the rest of the API takes (a path or ``analyzer.open_db(...)``'s handle, open
    in a ``with`` block or not) or a DuckDB connection.
    """
    from analyzer.report import build

    if isinstance(db, Database) and db.held is not None:
        return build(db.held, period=period, lang=lang, mask=mask)
    if isinstance(db, str | Path | Database):
        with connection(db, read_only=True) as con:
            return build(con, period=period, lang=lang, mask=mask)
    return build(db, period=period, lang=lang, mask=mask)


def write_report(
    db: str | Path | Database,
    out: Path,
    period: str | None = None,
    lang: str = "en",
    mask: bool = False,
) -> Path:
    """Write the HTML report for the database as it is."""
    check_output(out, db)
    with connection(db, read_only=True) as con:
        return save_report(build_report(con, period=period, lang=lang, mask=mask), out)


def save_report(data: ReportData, out: Path) -> Path:
    """Write the report; an unwritable folder or a full disk is a clear error, not a traceback."""
    from analyzer.errors import AnalyzerError

    try:
        return data.save_html(out)
    except OSError as exc:
        if out.is_file() and exc.filename is None:
            out.unlink(missing_ok=True)  # a half-written report would mislead
        raise AnalyzerError(
            f"cannot write the report to {out}: {exc.strerror or exc}; "
            "pass --out with a folder you can write to (and free some disk space)"
        ) from exc
