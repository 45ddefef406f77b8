"""Our own catalogue, live: imported from a CSV, JSON or YAML file or a URL, kept as history, used by
positioning and the claims (which say which price they used)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select

from veille.settings import Settings
from veille.store.models import ClaimCheck, EventRow, OfferVersion, SourceRun
from veille.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "vmcloud"


@pytest.fixture
def home(tmp_path: Path, cli: Any) -> Path:
    path = tmp_path / "ws"
    code, _, err = cli("--home", path, "init")
    assert code == 0, err
    return path


def _store(home: Path) -> Any:
    return Workspace(Settings(home=home, database_url=None)).store


def _positioning(cli: Any, home: Path) -> dict[str, Any]:
    code, out, err = cli("--home", home, "positioning", "--json")
    assert code == 0, err
    return orjson.loads(out)


@pytest.mark.parametrize("name", ["catalogue.csv", "catalogue.json", "catalogue.yaml"])
def test_each_format_imports_as_offers_of_vmcloud(cli: Any, home: Path, name: str) -> None:
    code, out, err = cli("--home", home, "prices", "own", "import", FIXTURES / name, "--date", "2026-12-01")
    assert code == 0, err
    with _store(home).session() as session:
        offers = {o.sku: o for o in session.scalars(select(OfferVersion))}
    assert offers["vps-s"].competitor == "vmcloud" and offers["vps-s"].source_id == "vmcloud.catalogue"
    assert offers["vps-s"].price_monthly == 49 and offers["vps-s"].currency == "EUR"
    assert f"imported {len(offers)} product(s)" in out


def test_positioning_and_claims_use_the_live_catalogue_and_say_so(cli: Any, home: Path) -> None:
    before = _positioning(cli, home)
    assert before["own_basis"] == "kb" and before["products"][0]["own"]["basis"] == "kb"
    cheaper = home.parent / "cheaper.csv"
    cheaper.write_text("sku,vcpu,ram_gb,price_monthly,currency\nvps-s,2,4,19.90,EUR\n", encoding="utf-8")
    assert cli("--home", home, "prices", "own", "import", cheaper, "--date", "2026-12-01")[0] == 0
    after = _positioning(cli, home)
    entry = next(p for p in after["products"] if p["id"] == "vps-entry")
    assert entry["own"] == {"monthly_eur": "19.90", "basis": "live", "sku": "vps-s"}
    assert after["own_basis"] == "mixed"  # the other products still come from the price table
    _code, out, _ = cli("--home", home, "claims", "--json", "--competitor", "vmcloud")
    cell = next(c for c in orjson.loads(out) if c["id"] == "price_cell:vps-entry:vmcloud")
    assert cell["verdict"] == "contradicted"  # the analysis says 49, our live catalogue 19.90
    assert cell["evidence"][0]["sku"] == "vps-s" and cell["evidence"][0]["source_id"] == "vmcloud.catalogue"


def test_a_second_import_keeps_history_and_closes_what_left(cli: Any, home: Path, tmp_path: Path) -> None:
    assert (
        cli("--home", home, "prices", "own", "import", FIXTURES / "catalogue.csv", "--date", "2026-12-01")[0]
        == 0
    )
    lines = (FIXTURES / "catalogue.csv").read_text("utf-8").splitlines()
    kept = [line.replace(",49.00,", ",45.00,") for line in lines if not line.startswith("vps-xl,")]
    second = tmp_path / "second.csv"
    second.write_text("\n".join(kept) + "\n", "utf-8")
    code, _, err = cli("--home", home, "prices", "own", "import", second, "--date", "2026-12-05")
    assert code == 0, err
    code, out, _ = cli("--home", home, "prices", "history", "vmcloud", "--sku", "vps-s", "--json")
    versions = orjson.loads(out)
    assert [(v["price_monthly"], v["valid_to"] is None) for v in versions] == [("49", False), ("45", True)]
    with _store(home).session() as session:
        gone = session.scalars(select(OfferVersion).where(OfferVersion.sku == "vps-xl")).one()
        kinds = set(session.scalars(select(EventRow.kind).where(EventRow.competitor == "vmcloud")))
    assert gone.valid_to is not None  # left the catalogue: closed, never deleted
    assert "price_change" in kinds


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "sku,price_monthly,currency\nvps-s,49,EUR\nvps-m,abc,EUR\n",
            "row 2 (sku 'vps-m'): price_monthly 'abc'",
        ),
        ("sku,price_monthly,currency\nvps-s,49,XYZ\n", "row 1 (sku 'vps-s'): currency must be one of"),
        ("sku,prix,currency\nvps-s,49,EUR\n", "row 1 (sku 'vps-s'): unknown field(s) prix"),
        ("sku,price_monthly,currency\nvps-s,49,EUR\nvps-s,50,EUR\n", "row 2 (sku 'vps-s'): the same sku"),
        ("sku,price_monthly,currency\n,49,EUR\n", "row 1: sku is missing"),
        (
            "sku,price_monthly,currency\nvps-s,-3,EUR\n",
            "row 1 (sku 'vps-s'): price_monthly must be more than 0",
        ),
    ],
)
def test_a_bad_file_is_one_line_naming_the_row_and_imports_nothing(
    cli: Any, home: Path, tmp_path: Path, body: str, message: str
) -> None:
    assert (
        cli("--home", home, "prices", "own", "import", FIXTURES / "catalogue.csv", "--date", "2026-12-01")[0]
        == 0
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(body, encoding="utf-8")
    code, _out, err = cli("--home", home, "prices", "own", "import", bad, "--date", "2026-12-02")
    assert code == 1 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    with _store(home).session() as session:
        current = sorted(session.scalars(select(OfferVersion.sku).where(OfferVersion.valid_to.is_(None))))
        failed = session.scalars(select(SourceRun).where(SourceRun.status == "failed")).one()
    assert current == ["block-ssd", "gpu-a100", "gpu-t4", "vps-s", "vps-xl"]  # the first import, whole
    assert failed.source_id == "vmcloud.catalogue" and message in (failed.error or "")


def test_a_missing_file_is_one_line(cli: Any, home: Path) -> None:
    code, _, err = cli("--home", home, "prices", "own", "import", home / "nope.csv")
    assert code == 1 and "no such file" in err


def test_a_url_goes_through_the_fetcher_and_its_address_checks(
    cli: Any, home: Path, httpserver: HTTPServer, internal: Any
) -> None:
    body = (FIXTURES / "catalogue.json").read_bytes()
    httpserver.expect_request("/prices.json").respond_with_data(body, content_type="application/json")
    env = {"VEILLE_ALLOWED_INTERNAL_HOSTS": "127.0.0.1"}
    code, out, err = cli(
        "--home", home, "prices", "own", "import", httpserver.url_for("/prices.json"), env=env
    )
    assert code == 0, err
    assert "imported 3 product(s)" in out
    code, _, err = cli("--home", home, "prices", "own", "import", internal.url_for("/prices.json"), env=env)
    assert code == 1 and "nothing imported" in err  # 127.0.0.2 is not allowed: refused at connect time
    with _store(home).session() as session:
        assert session.scalars(select(ClaimCheck)).first() is not None  # the import re-checked the claims


def test_each_fixture_has_its_provenance() -> None:
    for name in ("catalogue.csv", "catalogue.json", "catalogue.yaml"):
        assert (FIXTURES / f"{name}.source.txt").is_file()


def test_standing_says_where_we_are_the_most_and_the_least_expensive() -> None:
    from veille.analysis.claims.ours import standing, themes_of

    def row(product: str, competitor: str, eur: str) -> dict[str, Any]:
        return {
            "product": product,
            "competitor": competitor,
            "monthly_eur": eur,
            "compared": True,
            "offer": None,
        }

    document = {
        "products": [
            {"id": "a", "label": "A", "own": {"monthly_eur": "10", "basis": "live", "sku": "a1"}},
            {"id": "b", "label": "B", "own": {"monthly_eur": "50", "basis": "kb", "sku": None}},
            {"id": "c", "label": "C", "own": {"monthly_eur": "20", "basis": "kb", "sku": None}},
        ],
        "rows": [row("a", "x", "12"), row("a", "y", "30"), row("b", "x", "20"), row("b", "y", "40"),
                 row("c", "x", "10"), row("c", "y", "30"), row("c", "vmcloud", "20")],
    }  # fmt: skip
    found = {s["product"]: s for s in standing(document)}
    assert (found["a"]["position"], found["a"]["rank"], found["a"]["basis"]) == ("least_expensive", 1, "live")
    assert (found["b"]["position"], found["b"]["rank"], found["b"]["ratio_to_median"]) == (
        "most_expensive",
        3,
        "1.67",
    )
    assert (
        found["c"]["position"] is None and found["c"]["competitors"] == 2
    )  # our own row is not a competitor
    assert themes_of("Infomaniak lève 50 millions pour son cloud souverain") == ["sovereignty"]
    assert themes_of("Kubernetes 1.34 available") == ["ecosystem"] and themes_of("Europcar") == []
