"""One figure everywhere: the demo's EUR prices agree across the positioning JSON, the API, the dashboard's
price page and the analysis report (Markdown, HTML, PDF), each converted at the ECB rate of its day."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import login

from veille.auth import add_user, new_token
from veille.kb.store import current
from veille.settings import Settings
from veille.store.models import FxRateRow
from veille.web.app import create_app
from veille.workspace import Workspace

CENT = Decimal("0.01")
EURO = re.compile(r"€\s?([\d,]+\.\d{2})")


@dataclass
class Demo:
    home: Path
    workspace: Workspace
    token: str


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    from veille.demo import run_demo

    home = tmp_path_factory.mktemp("figures") / "veille-demo"
    run_demo(home, lambda _line: None, pdf=False)
    ws = Workspace(Settings(home=home, database_url=None, secret_key="test-secret-key"))
    with ws.store.session() as session:
        add_user(session, "reader", "viewer", "correct horse battery")
        token = new_token(session, "reader")
    yield Demo(home, ws, token)
    ws.store.dispose()


@pytest.fixture(scope="module")
def document(demo: Demo) -> dict[str, Any]:
    """``veille positioning --json`` as a user runs it."""
    command = [sys.executable, "-m", "veille", "--home", str(demo.home), "positioning", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    return dict(json.loads(done.stdout))


def _names(demo: Demo) -> dict[str, str]:
    """Competitor id -> the name pages and reports print."""
    with demo.workspace.store.session() as session:
        return {c.id: c.name for c in current(session).competitors}


def _expected(document: dict[str, Any], demo: Demo) -> dict[tuple[str, str], str]:
    """(product label, competitor name) -> "22.10" for every on-demand row with a EUR figure."""
    who = _names(demo)
    labels = {p["id"]: p["label"] for p in document["products"]}
    return {
        (labels[r["product"]], who.get(r["competitor"], r["competitor"])): r["monthly_eur"]
        for r in document["rows"]
        if r["compared"] and r["monthly_eur"] is not None
    }


class _Tables(HTMLParser):
    """Every table row of a page as a list of cell texts (th and td)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.rows:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _rows(html: str) -> list[list[str]]:
    parser = _Tables()
    parser.feed(html)
    return parser.rows


def _euro(cell: str) -> str | None:
    found = EURO.search(cell)
    return found.group(1).replace(",", "") if found else None


def _report_figures(rows: list[list[str]], names: set[str]) -> dict[tuple[str, str], str]:
    """§ 6's rows: product, competitor, offer, EUR per month, ratio, basis (on-demand rows only)."""
    out = {}
    for cells in rows:
        if len(cells) != 6 or cells[1] not in names or "[" in cells[2]:
            continue
        if figure := _euro(cells[3]):
            out.setdefault((cells[0], cells[1]), figure)
    return out


def test_positioning_figures_are_converted_at_the_rate_of_the_as_of_day(
    demo: Demo, document: dict[str, Any]
) -> None:
    day = document["as_of"][:10]
    with demo.workspace.store.session() as session:
        latest = {
            currency: max(
                d
                for d, c in session.execute(select(FxRateRow.day, FxRateRow.currency))
                if c == currency and d <= day
            )
            for currency in ("USD",)
        }
    foreign = [
        r for r in document["rows"] if (r["offer"] or r.get("kb_price") or {}).get("currency") == "USD"
    ]
    assert {r["competitor"] for r in foreign} >= {"digitalocean", "vultr"}
    for row in document["rows"]:
        native = row["offer"] or row["kb_price"]
        assert row["fx_rate"] and row["fx_date"], row
        if native["currency"] == "EUR":
            assert Decimal(row["fx_rate"]) == 1
            continue
        assert row["fx_date"] == latest["USD"], row  # never the rate of the day the version started
        if row["offer"]:
            amount = Decimal(native["price_monthly"] or Decimal(native["price_hourly"]) * 730)
            assert row["offer"]["fx_rate"] == row["fx_rate"]
        else:
            amount = Decimal(native["amount"])
        expected = (amount / Decimal(row["fx_rate"])).quantize(CENT, ROUND_HALF_EVEN)
        assert Decimal(row["monthly_eur"]) == expected, row


def test_api_page_and_report_show_the_same_figures(demo: Demo, document: dict[str, Any], cli) -> None:
    expected = _expected(document, demo)
    who = _names(demo)
    app = create_app(demo.workspace)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        api = client.get("/api/v1/positioning", headers={"Authorization": f"Bearer {demo.token}"}).json()
        login(client, "reader", "correct horse battery")
        client.cookies.set("veille_lang", "en")
        html = client.get("/positioning").text
    assert {
        (r["product"], r["competitor"], r["billing"]): (r["monthly_eur"], r["fx_rate"], r["fx_date"])
        for r in api["rows"]
    } == {
        (r["product"], r["competitor"], r["billing"]): (r["monthly_eur"], r["fx_rate"], r["fx_date"])
        for r in document["rows"]
    }
    table = _rows(html)
    header, body = table[0], table[1:]
    on_page = {}
    for cells in body:
        for name, cell in zip(header[1:], cells[1:], strict=False):
            if figure := _euro(cell):
                on_page[(cells[0], name)] = figure
    assert on_page == expected
    assert "1 € = " in html  # the rate beside a converted figure

    for fmt in ("md", "html"):
        out = demo.home / f"analysis-en.{fmt}"
        code, _, err = cli(
            "--home", demo.home, "report", "analysis", "--lang", "en", "--format", fmt, "-o", out
        )
        assert code == 0, err
        text = out.read_text(encoding="utf-8")
        if fmt == "md":
            rows = [
                [c.strip() for c in line.strip().strip("|").split("|")]
                for line in text.splitlines()
                if line.startswith("|")
            ]
        else:
            rows = _rows(text)
        assert _report_figures(rows, set(who.values())) == expected, fmt
        assert "1 € = " in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_shows_the_same_figures(demo: Demo, document: dict[str, Any], cli) -> None:
    pytest.importorskip("weasyprint")
    out = demo.home / "analysis-en.pdf"
    code, _, err = cli(
        "--home", demo.home, "report", "analysis", "--lang", "en", "--format", "pdf", "-o", out
    )
    assert code == 0, err
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    section = text[text.index("€") :]
    figures = {f.replace(",", "") for f in EURO.findall(section)}
    missing = {key: value for key, value in _expected(document, demo).items() if value not in figures}
    assert not missing


def test_the_demo_rates_move_as_real_ones_do(demo: Demo) -> None:
    """Well under 1% from one week to the next (the ECB's USD, CHF and GBP rarely move 1% in a week)."""
    with demo.workspace.store.session() as session:
        rows = session.execute(select(FxRateRow.currency, FxRateRow.rate).order_by(FxRateRow.day)).all()
    series: dict[str, list[Decimal]] = {}
    for currency, rate in rows:
        series.setdefault(currency, []).append(rate)
    assert set(series) >= {"USD", "CHF", "GBP"} and all(len(v) == 3 for v in series.values())
    for currency, rates in series.items():
        for before, after in itertools.pairwise(rates):
            assert abs(after - before) / before < Decimal("0.005"), (currency, before, after)


def test_offers_and_history_are_converted_at_the_rate_of_their_day(
    demo: Demo, document: dict[str, Any]
) -> None:
    """The API's current offers at today's rate (as positioning), each history version at its own day's
    rate, and the price page's chart ends on the figure of the table."""
    auth = {"Authorization": f"Bearer {demo.token}"}
    row = next(
        r for r in document["rows"] if r["competitor"] == "digitalocean" and r["product"] == "vps-entry"
    )
    sku = row["offer"]["sku"]
    with demo.workspace.store.session() as session:
        rates = sorted(
            (day, rate)
            for day, currency, rate in session.execute(
                select(FxRateRow.day, FxRateRow.currency, FxRateRow.rate)
            )
            if currency == "USD"
        )
    with TestClient(create_app(demo.workspace), base_url="http://127.0.0.1") as client:
        offers = client.get("/api/v1/offers?competitor=digitalocean", headers=auth).json()["items"]
        history = client.get(f"/api/v1/offers/history?competitor=digitalocean&sku={sku}", headers=auth).json()
        login(client, "reader", "correct horse battery")
        chart = client.get("/positioning/history/vps-entry").json()
    current = next(o for o in offers if o["sku"] == sku and (o["region"] or None) == row["offer"]["region"])
    assert (current["fx_rate"], current["fx_date"]) == (row["fx_rate"], row["fx_date"])
    assert Decimal(current["monthly_eur"]).quantize(CENT, ROUND_HALF_EVEN) == Decimal(row["monthly_eur"])
    assert history["items"]
    for version in history["items"]:
        day = version["valid_from"][:10]
        expected_day, expected_rate = max((d, r) for d, r in rates if d <= day)
        assert version["fx_date"] == expected_day and Decimal(version["fx_rate"]) == expected_rate
    line = next(line for line in chart if line["label"] == _names(demo)["digitalocean"])
    last = line["points"][-1]
    assert Decimal(last["y"]).quantize(CENT, ROUND_HALF_EVEN) == Decimal(row["monthly_eur"])
    assert last["fx_date"] == row["fx_date"]
