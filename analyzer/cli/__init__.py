"""The command line: a thin click layer over the library (see analyzer.cli.base for exit codes).

Modules: ``base`` (the group, --db, shared options, exit codes), ``output`` (tables that fit the
terminal, CSV, JSON), ``checks`` (rules, lines and periods asked for, against what exists),
``imports`` (import, run), ``findings`` (findings, rules), ``workbook`` (the findings XLSX),
``data`` (query, export, report) and ``profiles`` (profile, explain).
"""

from __future__ import annotations

from analyzer.cli.base import cli
from analyzer.cli.data import export, query, report
from analyzer.cli.findings import findings, rules_command
from analyzer.cli.imports import default_report, import_command, run
from analyzer.cli.output import _jsonable, safe_cell
from analyzer.cli.profiles import explain, profile

for _command in (run, import_command, findings, report, query, export, rules_command):
    cli.add_command(_command)
cli.add_command(explain)
cli.add_command(profile)


def main() -> None:
    """Console entry point."""
    cli(prog_name="analyzer")


__all__ = ["_jsonable", "cli", "default_report", "main", "safe_cell"]
