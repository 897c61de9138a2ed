"""The notebooks: committed without outputs, public API only, and each runs on the sample bills."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, SAMPLES

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
spec = importlib.util.spec_from_file_location("execute", ROOT / "notebooks" / "execute.py")
assert spec is not None and spec.loader is not None
executing = importlib.util.module_from_spec(spec)
spec.loader.exec_module(executing)


def test_the_three_notebooks_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "explore_usage.ipynb",
        "fleet_audit.ipynb",
        "onboard_pdf_layout.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name} cell {index} has outputs: clear them"
            assert cell.execution_count is None, f"{path.name} cell {index} has a count"


def readme_api() -> set[str]:
    """The names the README gives as the public API: ``analyzer.NAME`` in its text."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"\banalyzer\.([A-Za-z_][A-Za-z_0-9]*)\b", text))


def analyzer_uses(source: str) -> set[str]:
    """What code takes from the package: ``analyzer.x`` attributes and imported modules."""
    used: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analyzer"):
            module = node.module or ""
            names = [alias.name for alias in node.names]
            used |= {f"{module[9:]}." * bool(module[9:]) + name for name in names}
        elif isinstance(node, ast.Import):
            used |= {a.name[9:] for a in node.names if a.name.startswith("analyzer.")}
        elif isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "analyzer":
            used.add(node.attr)
    return used


def test_the_public_api_check_catches_an_internal_import() -> None:
    uses = analyzer_uses(
        "import analyzer\nfrom analyzer.importers.profile import load_profile\n"
        "import analyzer.store\nanalyzer.open_db('x')"
    )
    assert uses == {"importers.profile.load_profile", "store", "open_db"}
    assert uses - readme_api() == {"importers.profile.load_profile", "store"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_api_the_readme_lists(path: Path) -> None:
    notebook = nbformat.read(path, as_version=4)
    used = set()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            used |= analyzer_uses("".join(cell.source))
    assert used, f"{path.name} does not use analyzer"
    assert sorted(used - readme_api()) == []


def test_notebooks_show_daily_monthly_findings_and_the_report() -> None:
    sources = "\n".join(
        "".join(cell.source)
        for path in NOTEBOOKS
        for cell in nbformat.read(path, as_version=4).cells
        if cell.cell_type == "code"
    )
    for call in ("db.daily(line=", "db.monthly(", "db.findings(", "analyzer.build_report(db"):
        assert call in sources


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_sample_bills(path: Path, tmp_path: Path) -> None:
    bills = tmp_path / "bills"
    shutil.copytree(SAMPLES, bills)
    work = tmp_path / "work"
    work.mkdir()
    notebook = executing.execute(path, bills, work)
    errors = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.output_type == "error"
    ]
    assert errors == []
