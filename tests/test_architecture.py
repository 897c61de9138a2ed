"""The layers stay apart: importers read files and return records; they never open the database."""

from __future__ import annotations

import ast
from pathlib import Path

IMPORTERS = Path(__file__).parent.parent / "analyzer" / "importers"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_no_importer_module_imports_the_store() -> None:
    offenders = [
        path.name
        for path in sorted(IMPORTERS.rglob("*.py"))
        if any(
            name == "analyzer.store" or name.startswith("analyzer.store.")
            for name in _imports(path)
        )
    ]
    assert offenders == []


def test_every_module_is_small_enough_to_read_in_one_sitting() -> None:
    root = IMPORTERS.parent.parent
    sizes = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for folder in ("analyzer", "sample_bills")
        for path in sorted((root / folder).rglob("*.py"))
    }
    assert {name: lines for name, lines in sizes.items() if lines >= 500} == {}
