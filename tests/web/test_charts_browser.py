"""Charts in Debian's chromium: a price holds until the day its change was seen, one colour per
competitor in every chart, and at 390 px (a phone) charts keep a readable height, the segmentation
map's chips stay in their cells and the price-quality map's labels do not overlap."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web import seed
from tests.web.conftest import PASSWORD, Site, login, make_site
from tests.web.live import LiveServer

from veille.reports.charts import competitor_colour

pytestmark = pytest.mark.browser
# players close to each other on the price-quality map (same 2 vCPU / 4 GB product, near prices)
CROWD = {"scaleway": "5.6", "infomaniak": "5.7", "digitalocean": "5.8", "contabo": "5.4", "vultr": "5.9"}


def _crowd(site: Site) -> None:
    with site.workspace.store.session() as session:
        for competitor, price in CROWD.items():
            when = seed.NOW - timedelta(days=12)
            session.add(seed.offer(competitor, f"{competitor}-s", price, when, None, region="eu"))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[Site, LiveServer]]:
    site = make_site(tmp_path / "ws")
    _crowd(site)
    with LiveServer(site.app) as server:
        yield site, server
    site.workspace.store.dispose()


def _signed_in(browser: Any, server: LiveServer, width: int, lang: str = "fr") -> Any:
    context = browser.new_context(locale=f"{lang}-FR", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server.url + "/")
    return page


DRAWN = "(sel) => window.Chart && document.querySelector(sel) && Chart.getChart(document.querySelector(sel))"

# Where the first line is drawn on given days: is there ink of its colour at the old or the new price?
STEP_PROBE = """([days, oldPrice, newPrice]) => {
  const canvas = document.querySelector('#price-chart-vps');
  const chart = Chart.getChart(canvas);
  const ds = chart.data.datasets[0];
  const hex = ds.borderColor;
  const want = [1, 3, 5].map(i => parseInt(hex.slice(i, i + 2), 16));
  const ratio = canvas.width / canvas.getBoundingClientRect().width;
  const ctx = canvas.getContext('2d');
  const inked = (x, y) => {
    const d = ctx.getImageData(Math.round(x * ratio) - 1, Math.round(y * ratio) - 3, 3, 7).data;
    for (let i = 0; i < d.length; i += 4) {
      const dist = Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]);
      if (d[i + 3] > 200 && dist < 90) return true;
    }
    return false;
  };
  return days.map(t => {
    const x = chart.scales.x.getPixelForValue(Date.parse(t));
    return {t, old: inked(x, chart.scales.y.getPixelForValue(oldPrice)),
            new: inked(x, chart.scales.y.getPixelForValue(newPrice))};
  });
}"""


def test_a_price_holds_until_its_change_was_seen(browser: Any, live: tuple[Site, LiveServer]) -> None:
    """CX22: 4.51 from day -90, 4.15 seen on day -60. Between them the line is at 4.51, not 4.15."""
    _site, server = live
    page = _signed_in(browser, server, 1280)
    page.goto(server.url + "/competitors/hetzner")
    page.wait_for_function(DRAWN, arg="#price-chart-vps")
    label = page.evaluate(
        "() => Chart.getChart(document.querySelector('#price-chart-vps')).data.datasets[0].label"
    )
    assert label.startswith("CX22"), label
    days = [(seed.NOW - timedelta(days=d)).isoformat() for d in (85, 75, 65, 62)]
    probes = page.evaluate(STEP_PROBE, [days, 4.51, 4.15])
    assert all(p["old"] and not p["new"] for p in probes), probes
    after = page.evaluate(
        STEP_PROBE, [[(seed.NOW - timedelta(days=d)).isoformat() for d in (55, 40)], 4.51, 4.15]
    )
    assert all(p["new"] and not p["old"] for p in after), after
    page.context.close()


def test_a_competitor_has_one_colour_in_every_chart(browser: Any, live: tuple[Site, LiveServer]) -> None:
    _site, server = live
    page = _signed_in(browser, server, 1280)
    page.goto(server.url + "/competitors/hetzner")
    page.wait_for_function(DRAWN, arg="#price-chart-vps")
    lines = page.evaluate(
        "() => Chart.getChart(document.querySelector('#price-chart-vps')).data.datasets"
        ".map(d => [d.label, d.borderColor, d.borderDash.join(' ')])"
    )
    hetzner = competitor_colour("hetzner")
    assert [c for _, c, _ in lines] == [hetzner, hetzner], lines  # its offers: its colour...
    assert len({dash for _, _, dash in lines}) == len(lines)  # ...told apart by their dashes
    page.goto(server.url + "/positioning")
    page.wait_for_function(DRAWN, arg="#price-quality-map")
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-src]')].every(c => c.dataset.drawn)"
    )
    colours = page.evaluate(
        """() => {
          const map = Chart.getChart(document.querySelector('#price-quality-map'));
          const out = map.data.datasets[0].data.map((p, i) => ['map', p.label, map.data.datasets[0].backgroundColor[i]]);
          document.querySelectorAll('canvas[data-src]').forEach(c => Chart.getChart(c).data.datasets
            .forEach(d => out.push(['history', d.label, d.borderColor])));
          return out;
        }"""
    )
    by_name: dict[str, set[str]] = {}
    for _chart, name, colour in colours:
        by_name.setdefault(name, set()).add(colour)
    assert by_name["Hetzner"] == {hetzner} and by_name["Scaleway"] == {competitor_colour("scaleway")}, by_name
    assert sum(1 for chart, _, _ in colours if chart == "history") >= 3, colours
    page.context.close()


def test_competitor_page_has_one_scale_per_category(site: Site, client: TestClient) -> None:
    """A GPU at 730 and a VPS at 8: two charts, each on its own axis; an offer's name shows once."""
    with site.workspace.store.session() as session:
        session.add(
            seed.offer("ovhcloud", "l4-90", "730", seed.NOW - timedelta(days=5), None, category="gpu")
        )
        session.add(seed.offer("ovhcloud", "d2-4", "8.69", seed.NOW - timedelta(days=5), None, name="d2-4"))
    login(client, "viewer")
    page = client.get("/competitors/ovhcloud").text
    assert 'id="price-chart-gpu"' in page and 'id="price-chart-vps"' in page
    assert 'prices.json?category=gpu"' in page and 'prices.json?category=vps"' in page
    assert "<td>d2-4</td>" in page and "<td>L4-90</td>" in page  # not "d2-4 d2-4"
    assert (
        '<small class="muted">d2-4</small>' not in page and '<small class="muted">l4-90</small>' not in page
    )
    gpu = client.get("/competitors/ovhcloud/prices.json?category=gpu").json()
    assert [s["label"] for s in gpu] == ["L4-90 · fsn1"] and gpu[0]["color"] == competitor_colour("ovhcloud")


def _geometry(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
          const box = el => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, w: r.width, h: r.height}; };
          const chips = [...document.querySelectorAll('table.segmap .player')].map(p => ({
            name: p.textContent, chip: box(p), cell: box(p.closest('td'))}));
          const map = Chart.getChart(document.querySelector('#price-quality-map'));
          return {chips, labels: map.$labelBoxes, area: map.chartArea,
                  charts: [...document.querySelectorAll('canvas.chart')].map(c => box(c)),
                  page: document.documentElement.scrollWidth};
        }"""
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + 0.5
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + 0.5
    )


def _apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] + a["w"] <= b["x"]
        or b["x"] + b["w"] <= a["x"]
        or a["y"] + a["h"] <= b["y"]
        or b["y"] + b["h"] <= a["y"]
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_phone_at_390_px(browser: Any, live: tuple[Site, LiveServer], shots_dir: Path, lang: str) -> None:
    _site, server = live
    page = _signed_in(browser, server, 390, lang)
    page.goto(server.url + "/positioning")
    page.wait_for_function(DRAWN, arg="#price-quality-map")
    page.wait_for_function("() => [...document.querySelectorAll('canvas.chart')].every(c => c.dataset.drawn)")
    page.screenshot(path=str(shots_dir / f"positioning-390-{lang}.png"), full_page=True)
    g = _geometry(page)
    assert g["page"] <= 390, "the page scrolls sideways"
    assert len(g["chips"]) >= 10
    one_line = min(chip["chip"]["h"] for chip in g["chips"])
    for chip in g["chips"]:
        assert _inside(chip["chip"], chip["cell"]), chip
        assert chip["chip"]["h"] <= one_line + 1, chip  # a whole name on one line, not "DigitalOce / an"
    assert all(c["h"] >= 200 and c["w"] >= 300 for c in g["charts"]), g["charts"]
    labels = g["labels"]
    assert len(labels) >= 6, labels
    for i, a in enumerate(labels):
        assert a["x"] >= 0 and a["x"] + a["w"] <= g["charts"][0]["w"] + 1, a
        for b in labels[i + 1 :]:
            assert _apart(a, b), (a, b)
    page.goto(server.url + "/competitors/hetzner")
    page.wait_for_function(DRAWN, arg="#price-chart-vps")
    height = page.evaluate("() => document.querySelector('#price-chart-vps').getBoundingClientRect().height")
    assert height >= 200, height
    page.screenshot(path=str(shots_dir / f"competitor-390-{lang}.png"), full_page=True)
    page.goto(server.url + "/sources")
    cells = page.evaluate(
        """() => [...document.querySelectorAll('table.sources-list tbody td')].map(td => {
          const r = td.getBoundingClientRect();
          const inner = [...td.querySelectorAll('.status, .badge, .chip, a, small')].map(e => e.getBoundingClientRect());
          return {cell: {x: r.left, y: r.top, w: r.width, h: r.height},
                  inner: inner.map(b => ({x: b.left, y: b.top, w: b.width, h: b.height}))};
        })"""
    )
    assert cells and page.evaluate("() => document.documentElement.scrollWidth") <= 390
    for cell in cells:
        assert cell["cell"]["x"] >= 0 and cell["cell"]["x"] + cell["cell"]["w"] <= 390, cell
        assert all(_inside(b, cell["cell"]) for b in cell["inner"] if b["w"]), cell
    page.screenshot(path=str(shots_dir / f"sources-390-{lang}.png"), full_page=True)
    page.context.close()
