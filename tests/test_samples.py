"""The sample corpus is reproducible: the generator rewrites every committed file byte for byte."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES

GENERATED = [
    p
    for p in sorted(SAMPLES.rglob("*"))
    if p.is_file()
    and p.suffix in (".csv", ".xlsx", ".pdf", ".json", ".toml", ".md")
    and p.name != "SPEC.md"
    and p.parent.name != "profiles"  # the carriers' layouts are written by hand
]


def test_make_samples_reproduces_the_committed_files(tmp_path: Path) -> None:
    copy = tmp_path / "sample_bills"
    copy.mkdir()
    shutil.copy(SAMPLES / "make_samples.py", copy)
    shutil.copytree(
        SAMPLES / "samplegen", copy / "samplegen", ignore=shutil.ignore_patterns("*.pyc")
    )
    subprocess.run([sys.executable, str(copy / "make_samples.py")], check=True, capture_output=True)
    produced = {
        p.relative_to(copy)
        for p in copy.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    }
    committed = {p.relative_to(SAMPLES) for p in GENERATED if not p.name.endswith(".expected")}
    assert produced == committed
    for relative in sorted(produced):
        new = hashlib.sha256((copy / relative).read_bytes()).hexdigest()
        old = hashlib.sha256((SAMPLES / relative).read_bytes()).hexdigest()
        assert new == old, f"{relative} differs from what make_samples.py writes; run make samples"
