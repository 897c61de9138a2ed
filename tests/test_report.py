"""The report: one offline file, safe with hostile bill text, drawn by a real browser."""

from __future__ import annotations

import re
from html import unescape as html_unescape
from pathlib import Path

from browser import render
from conftest import ROOT, session, wayfarer_csv

from analyzer.api import analyse, import_paths

PAYLOAD = (
    "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
)


def make_report(
    tmp_path: Path, network: str = "Net 310-260", iccid: str = "8901260000000000001"
) -> Path:
    folder = tmp_path / "bills"
    folder.mkdir()
    rows = [
        session(f"2026-10-{d:02d}", d, "MX" if d in (5, 6) else "US")
        .replace("Net 310-260", network)
        .replace("8901260000000000001", iccid)
        for d in range(1, 11)
    ]
    wayfarer_csv(folder, [r.replace(",US,", ",US,") for r in rows])
    (folder / "analyzer.toml").write_text('home_country = "US"\n')
    db = tmp_path / "r.duckdb"
    import_paths(db, [folder])
    out = tmp_path / "report.html"
    analyse(db, folder=folder, out=out)
    return out


def test_report_is_one_offline_file(tmp_path: Path) -> None:
    html = make_report(tmp_path).read_text("utf-8")
    assert re.findall(r"(?:https?|wss?|ftp)://", html) == []
    assert html.count("<script") == 3  # the Vega bundle, the chart data, the page script
    assert 'http-equiv="Content-Security-Policy"' in html
    csp = html_unescape(re.search(r'Content-Security-Policy" content="([^"]+)"', html).group(1))
    assert "connect-src 'none'" in csp and "default-src 'none'" in csp
    assert '"actions": false' not in html  # actions are turned off in code, not per spec
    assert "actions: false" in html
    assert len(html) < 2_000_000


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    html = make_report(tmp_path, network=PAYLOAD, iccid=PAYLOAD.replace(",", ";")).read_text(
        "utf-8"
    )
    assert "<script>document.title" not in html
    assert "<img src=x" not in html
    assert html.count("</script>") == 3


def test_report_draws_in_chromium_with_the_network_off(tmp_path: Path) -> None:
    page = make_report(tmp_path, network=PAYLOAD)
    dom = render(page, screenshot=ROOT / "tests" / "artifacts" / "report.png")
    assert 'data-rendered="true"' in dom
    assert "data-chart-error" not in dom
    charts = re.findall(
        r'<div class="chart[^"]*" id="chart-[^"]+"[^>]*>(.*?)</div>\s*(?=<div class="chart|</section)',
        dom,
        re.S,
    )
    assert charts and all("<svg" in chart for chart in charts)
    assert "<title>Usage report</title>" in dom  # the payload did not rename the page
