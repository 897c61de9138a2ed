"""Peak memory of importing one large CSV, measured in a child process.

    python bench/hostile_memory.py --mb 200      # about 200 MB of Wayfarer sessions
    python bench/hostile_memory.py --mb 2048     # the 2 GB case of issue 9

The file is generated in a temporary folder, beside a copy of the Wayfarer profile that reads
it, and removed afterwards; nothing is committed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import peak

ROW = "2026-10-{d:02d} 09:00:00,2026-10-{d:02d} 09:30:00,{b},US,Net 310-260,8901260000000000001\n"
HEADER = "Session Start,Session End,Bytes,Country,Network,ICCID\n"
PROFILE = Path(__file__).resolve().parent.parent / "sample_bills" / "profiles" / "wayfarer_csv.toml"

CHILD = textwrap.dedent(peak.CODE) + textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from analyzer.importing import import_paths
    from analyzer.store import open_db
    start = time.perf_counter()
    con = open_db(sys.argv[2])
    [result] = import_paths(con, [Path(sys.argv[1])])
    con.close()
    print(result.status, result.events, round(time.perf_counter() - start, 1), round(peak_mb()))
    """
)


def write_csv(path: Path, megabytes: int) -> int:
    target = megabytes << 20
    with path.open("w") as handle:
        handle.write(HEADER)
        rows = 0
        while handle.tell() < target:
            handle.write(
                "".join(ROW.format(d=1 + (rows + j) % 28, b=1000 + j) for j in range(1000))
            )
            rows += 1000
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the generated CSV in MB")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="analyzer-bench-") as work:
        path = Path(work) / "large.csv"
        (Path(work) / "profiles").mkdir()
        shutil.copy(PROFILE, Path(work) / "profiles")
        rows = write_csv(path, args.mb)
        started = time.perf_counter()
        out = (
            subprocess.run(
                [sys.executable, "-c", CHILD, str(path), str(Path(work) / "bench.duckdb")],
                capture_output=True,
                text=True,
                check=True,
            )
            .stdout.splitlines()[-1]
            .split()
        )
        size = path.stat().st_size >> 20
    status, events, seconds, peak = out
    print(
        f"{size} MB CSV, {rows} rows: {status}, {events} events in {seconds} s "
        f"(wall {time.perf_counter() - started:.1f} s); peak RSS {peak} MB "
        f"({int(peak) / max(size, 1):.1f}x the file)"
    )


if __name__ == "__main__":
    main()
