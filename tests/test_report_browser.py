"""The sample corpus's report in real Chromium (network off) at desktop and phone widths: the
answers on the first screen, a page no wider than a phone, no serious accessibility violation
(axe-core, pinned under tests/vendor), and a chosen line filtering every section."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from browser import render
from test_report_answers import sample_db, sample_report  # noqa: F401  (session fixtures)

VENDOR = Path(__file__).parent / "vendor"

PROBE = """
<pre id="probe"></pre>
<style>html { scrollbar-width: none; }</style>
<script>%(axe)s</script>
<script>
window.addEventListener("error", function (e) {
  document.getElementById("probe").textContent = JSON.stringify({error: String(e.message)});
});
(function () {
  function visible(el) { return !el.closest("[hidden]") && el.getClientRects().length > 0; }
  function measure() {
    var out = {};
    var closed = document.querySelectorAll("details:not([open])");
    closed.forEach(function (d) { d.open = true; });
    var first = document.querySelector('[data-severity="error"]');
    out.firstError = first ? first.getBoundingClientRect().top + window.scrollY : null;
    out.viewport = document.documentElement.clientWidth;
    out.pageWidth = document.documentElement.scrollWidth;
    out.wide = [];
    document.querySelectorAll("body *").forEach(function (el) {
      if (!visible(el)) { return; }
      var r = el.getBoundingClientRect();
      if (r.right > out.viewport + 1 || r.left < -1) {
        var chart = el.closest("[data-chart]");
        var where = chart ? chart.dataset.chart : (el.closest("section") || {}).ariaLabel || (el.closest("section").querySelector("h3, h2") || {}).textContent;
        out.wide.push(el.tagName + " in " + where + " " + Math.round(r.right));
      }
    });
    out.labels = Array.prototype.map.call(document.querySelectorAll("[data-chart]"), function (el) {
      return [el.getAttribute("aria-label"), !!el.closest("section").querySelector("details table"),
              !!el.querySelector("svg")];
    });
    closed.forEach(function (d) { d.open = false; });
    return out;
  }
  function sections() {
    var shown = {};
    document.querySelectorAll("[data-line]").forEach(function (el) {
      if (!el.hidden) { shown[el.closest("section[aria-labelledby], .answers, main > section, table") ? "x" : "y"] = 1; }
    });
    return {
      rows: document.querySelectorAll("[data-line]:not([hidden])").length,
      cards: document.querySelectorAll(".linecard:not([hidden])").length,
      mom: document.querySelectorAll("#month-over-month tbody tr:not([hidden])").length,
      summary: Array.prototype.map.call(document.querySelectorAll("[data-fig]"), function (e) { return e.textContent; }).join("|"),
      notCharted: document.querySelectorAll("[data-not-charted]:not([hidden])").length
    };
  }
  function done(result) {
    document.getElementById("probe").textContent = JSON.stringify(result);
    if (window.parent !== window) { window.parent.postMessage(JSON.stringify(result), "*"); }
  }
  function run() {
    var result = measure();
    result.before = sections();
    window.reportChooseLine(%(line)s);
    result.after = sections();
    window.reportChooseLine("__all__");
    var search = document.getElementById("line-search");
    search.value = %(query)s;
    search.dispatchEvent(new Event("input"));
    var found = document.querySelector("#line-results button");
    result.found = found ? found.textContent : null;
    if (found) { found.click(); }
    result.searched = document.body.dataset.line;
    window.reportChooseLine("__all__");
    axe.run(document, { resultTypes: ["violations"] }).then(function (r) {
      result.axe = r.violations.filter(function (v) { return v.impact === "serious" || v.impact === "critical"; })
        .map(function (v) { return v.id + ": " + v.nodes.slice(0, 3).map(function (n) { return n.target.join(" "); }).join(", "); });
      done(result);
    }).catch(function (e) { result.axe = ["axe failed: " + e]; done(result); });
  }
  var tries = 0;
  (function wait() {
    if (document.body.dataset.rendered === "true" || tries > 100) { run(); } else { tries += 1; setTimeout(wait, 100); }
  })();
})();
</script>
"""


# Headless Chromium will not make a window narrower than about 500 px, so the report is opened
# in a frame exactly `width` wide: its viewport, media queries and layout are a phone's.
FRAME = """<!doctype html><html><body style="margin:0">
<iframe title="report" src="%(page)s" style="border:0;width:%(width)dpx;height:1000px"></iframe>
<pre id="probe"></pre>
<script>window.addEventListener("message", function (e) {
  document.getElementById("probe").textContent = e.data; });</script>
</body></html>"""


def probe(html: str, tmp_path: Path, width: int, line: str) -> dict:
    axe = (VENDOR / "axe.min.js").read_text("utf-8").replace("</script", "<\\/script")
    page = tmp_path / f"probe-{width}.html"
    head, tail = html.rsplit("</body>", 1)
    extra = PROBE % {"axe": axe, "line": json.dumps(line), "query": json.dumps(line[-4:])}
    page.write_text(head + extra + "</body>" + tail, encoding="utf-8")
    frame = tmp_path / f"frame-{width}.html"
    frame.write_text(FRAME % {"page": page.name, "width": width}, encoding="utf-8")
    dom = render(frame, budget_ms=60000, size=(max(width, 800), 1000))
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), "the probe did not run"
    return json.loads(unescape(found.group(1)))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1440, 390])
def test_answers_first_readable_and_accessible(sample_report, tmp_path: Path, width: int) -> None:  # noqa: F811
    result = probe(sample_report.to_html(), tmp_path, width, "+12675550117")
    assert result["firstError"] is not None and result["firstError"] < 1000, result["firstError"]
    assert result["axe"] == []
    labels = [label for label, _, _ in result["labels"]]
    assert len(labels) == len(set(labels)) == len(sample_report.charts)
    assert all(has_table and drawn for _, has_table, drawn in result["labels"])
    # Nothing is wider than the screen, charts and their opened tables included: charts are
    # drawn to the width they have, nothing scrolls sideways.
    assert result["viewport"] == width
    assert result["pageWidth"] <= result["viewport"]
    assert result["wide"] == []


@pytest.mark.browser
def test_choosing_a_line_filters_every_section(sample_report, tmp_path: Path) -> None:  # noqa: F811
    # The idle fleet line: no chart draws it, its card, findings and months still show.
    result = probe(sample_report.to_html(), tmp_path, 1440, "+12675550117")
    before, after = result["before"], result["after"]
    assert after["cards"] == 1 and before["cards"] > 1
    assert 0 < after["mom"] < before["mom"]
    assert after["rows"] < before["rows"]
    assert after["summary"] != before["summary"]
    assert after["notCharted"] >= 1
    # The same line found by typing the end of its number in the line search.
    assert result["found"] == "+12675550117" and result["searched"] == "+12675550117"
