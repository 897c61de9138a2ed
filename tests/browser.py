"""Open a report in real headless Chromium with the network off (tests skip without it)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    # The network is off: every host resolves to nothing, every proxy connection fails.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=127.0.0.1:9",
]


def chromium() -> str:
    """The chromium binary, or skip the test with the reason."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (.ci/run installs it: apt-get install chromium)")


def render(
    page: Path,
    screenshot: Path | None = None,
    budget_ms: int = 15000,
    size: tuple[int, int] = (1200, 2400),
) -> str:
    """The DOM after scripts ran, and optionally a full-page screenshot."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        base = [
            binary,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
        ]
        dom = subprocess.run(
            [*base, f"--window-size={size[0]},{size[1]}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        ).stdout
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(
                [
                    *base,
                    f"--screenshot={screenshot}",
                    f"--window-size={size[0]},{size[1]}",
                    page.resolve().as_uri(),
                ],
                capture_output=True,
                timeout=120,
                check=True,
            )
    return dom
