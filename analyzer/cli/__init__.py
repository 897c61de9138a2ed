"""The command line: a thin click layer over the library (see analyzer.cli.base for exit codes).

Modules: ``base`` (the group, --db, shared options, exit codes), ``output`` (tables that fit the
terminal, CSV, JSON), ``checks`` (rules, lines and periods asked for, against what exists),
``imports`` (import, run), ``findings`` (findings, rules), ``workbook`` (the findings XLSX),
``data`` (query, export, report) and ``profiles`` (profile, explain).

A command's module is loaded when that command runs: ``analyzer --help`` lists the commands
from ``COMMANDS`` without loading any of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from analyzer.cli.base import cli, lazy_commands

# name: (module in analyzer.cli, function, the first paragraph of its docstring, which --help
# lists; a test checks each against the command's own help)
COMMANDS = {
    "run": (
        "imports",
        "run",
        "The main job: import every bill in FOLDER, run the rules, write the report.",
    ),
    "import": (
        "imports",
        "import_command",
        "Import bill files or folders (recursively) into the database.",
    ),
    "findings": (
        "findings",
        "findings",
        "List findings with their evidence: errors first, then per currency the most money first.",
    ),
    "report": (
        "data",
        "report",
        "Write the HTML report from the database as it is (exit 6 for a period without data).",
    ),
    "query": (
        "data",
        "query",
        "Run one read-only SQL query (tables: events, statements, findings; views: usage, ...).",
    ),
    "export": (
        "data",
        "export",
        "Export events (partitioned by line and month), statements, findings and sources.",
    ),
    "rules": (
        "findings",
        "rules_command",
        "List the rules: id, severity, title, parameters (with defaults) and what each catches.",
    ),
    "explain": (
        "profiles",
        "explain",
        "Show how FILE is read: importer, column mapping, statement, first events, rejects.",
    ),
    "profile": (
        "profiles",
        "profile",
        "Carrier profiles: draft one for a new export, list and show them.",
    ),
}
lazy_commands(cli, {name: (f"analyzer.cli.{m}", f, s) for name, (m, f, s) in COMMANDS.items()})


def main() -> None:
    """Console entry point."""
    cli(prog_name="analyzer")


def __getattr__(name: str) -> Any:
    """What other modules and tests import from here, loaded on first use."""
    where = {
        "default_report": "analyzer.cli.imports",
        "_jsonable": "analyzer.cli.output",
        "safe_cell": "analyzer.cli.output",
    }
    if name not in where:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(where[name]), name)


__all__ = ["COMMANDS", "cli", "default_report", "main", "safe_cell"]
