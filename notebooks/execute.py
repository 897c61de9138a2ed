"""Run every notebook on a copy of sample_bills/ and save a copy with its outputs.

    python notebooks/execute.py [OUT_DIR]      (`make notebooks`: reports/notebooks/)

The committed notebooks carry no outputs; the executed copies show a reader the results.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 300


def execute(path: Path, bills: Path, work: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` run top to bottom in ``work``, reading the bills in ``bills``."""
    from nbclient import NotebookClient

    settings = {
        "ANALYZER_BILLS": str(bills),
        "ANALYZER_DB": str(work / f"{path.stem}.duckdb"),
        "ANALYZER_WORK": str(work),
    }
    saved = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)  # the kernel inherits them
    try:
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=120,
            kernel_name="python3",
            resources={"metadata": {"path": str(work)}},
        )
        client.execute()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return notebook


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        bills = Path(scratch) / "bills"
        shutil.copytree(ROOT / "sample_bills", bills)
        for path in NOTEBOOKS:
            work = Path(scratch) / path.stem
            work.mkdir()
            notebook = execute(path, bills, work)
            nbformat.write(notebook, out / path.name)
            print(f"{out / path.name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "reports" / "notebooks")
