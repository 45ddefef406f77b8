"""``veille prices add`` on bad input: one clear line, exit 1, no traceback, nothing stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from veille.settings import Settings
from veille.store.models import EventRow, OfferVersion, SourceRun
from veille.workspace import Workspace

URL = "https://contabo.com/en/vps/"


@pytest.fixture
def home(tmp_path: Path, cli: Any) -> Path:
    h = tmp_path / "ws"
    assert cli("--home", h, "init")[0] == 0
    return h


def stored(home: Path) -> tuple[int, int, int]:
    """(offer versions, runs, events) in the workspace."""
    ws = Workspace(Settings(home=home, database_url=None))
    with ws.store.session() as session:
        counts = tuple(
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (OfferVersion, SourceRun, EventRow)
        )
    ws.store.dispose()
    return counts  # type: ignore[return-value]


def add(
    cli: Any, home: Path, *args: str, competitor: str = "contabo", sku: str = "vps-s"
) -> tuple[int, str, str]:
    return cli("--home", home, "prices", "add", competitor, sku, "--url", URL, *args)


BAD = [
    (["--price-monthly", "NaN"], "--price-monthly must be a decimal amount"),
    (["--price-monthly", "inf"], "--price-monthly must be a decimal amount"),
    (["--price-monthly", "-Infinity"], "--price-monthly must be a decimal amount"),
    (["--price-hourly", "sNaN"], "--price-hourly must be a decimal amount"),
    (["--price-monthly", "1e308"], "--price-monthly is too large"),
    (["--price-monthly", "12345678901234567890"], "--price-monthly is too large"),
    (["--price-monthly", "0.000000001"], "--price-monthly has too many decimals"),
    (["--price-monthly", "5", "--ram-gb", "nan"], "--ram-gb must be a decimal amount"),
    (["--price-monthly", "5", "--vcpu", "1e999999"], "--vcpu is too large"),
    (["--price-monthly", "5", "--gpu-count", "-1"], "--gpu-count must be more than 0"),
    (["--price-monthly", "0"], "--price-monthly must be more than 0"),
    (["--price-hourly", "-0.01"], "--price-hourly must be more than 0"),
    (["--price-monthly", "9" * 5000], "--price-monthly must be a decimal amount"),
    (["--price-monthly", "5", "--currency", "XXX"], "--currency must be a currency veille can convert"),
    (["--price-monthly", "5", "--currency", ""], "--currency must be a currency veille can convert"),
    (["--price-monthly", "5", "--currency", "€"], "--currency must be a currency veille can convert"),
    (["--price-monthly", "5", "--currency", "BTC"], "--currency must be a currency veille can convert"),
    (["--price-monthly", "5", "--billing", "free-lunch"], "--billing must be one of on_demand"),
    (["--price-monthly", "5", "--date", "2999-01-01"], "--date 2999-01-01 is in the future"),
    (["--price-monthly", "5", "--date", "1900-01-01"], "--date 1900-01-01 is before 2000"),
    (["--price-monthly", "5", "--region", "r" * 100_000], "--region is too long (100000 characters"),
    (["--price-monthly", "5", "--name", "n" * 5000], "--name is too long"),
    (["--price-monthly", "5", "--region", "par\x1b[31m1"], "--region holds a control"),
    (["--price-monthly", "5", "--gpu-model", "A" * 100_000], "--gpu-model is too long"),
    (["--price-monthly", "5", "--category", "lunch"], "--category must be one of vps"),
    (["--price-monthly", "5", "--date", "yesterday"], "not a date or ISO time"),
    ([], "give --price-monthly or --price-hourly"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a)[:50] for a, _ in BAD])
def test_bad_figures_and_fields_are_refused_in_one_line(
    cli: Any, home: Path, args: list[str], message: str
) -> None:
    before = stored(home)
    code, _, err = add(cli, home, *args)
    assert code == 1
    assert err.startswith("error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err and len(err) < 400
    assert stored(home) == before == (0, 0, 0)


@pytest.mark.parametrize(
    ("competitor", "sku", "url", "message"),
    [
        ("nobody", "vps-s", URL, "unknown competitor 'nobody'"),
        ("", "vps-s", URL, "unknown competitor ''"),
        ("contabo", "", URL, "SKU must not be empty"),
        ("contabo", "   ", URL, "SKU must not be empty"),
        ("contabo", "s" * 201, URL, "SKU is too long"),
        ("contabo", "vps-s", "file:///etc/passwd", "--url must be the http(s) page"),
        ("contabo", "vps-s", "https://", "--url must be the http(s) page"),
        ("contabo", "vps-s", "https://x.test/\nSet-Cookie: a", "--url must be the http(s) page"),
        ("contabo", "vps-s", "https://x .test/", "--url must be the http(s) page"),
        ("contabo", "vps-s", "https://x.test/" + "p" * 3000, "--url is too long"),
    ],
)
def test_unknown_competitor_empty_sku_and_bad_urls_are_refused(
    cli: Any, home: Path, competitor: str, sku: str, url: str, message: str
) -> None:
    code, _, err = cli("--home", home, "prices", "add", competitor, sku, "--url", url, "--price-monthly", "5")
    assert code == 1 and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert stored(home) == (0, 0, 0)


def test_good_entries_are_still_stored(cli: Any, home: Path) -> None:
    """Aliases, lower-case currencies, a comma decimal, a date yesterday and every billing are accepted."""
    code, out, err = add(
        cli, home, "--price-monthly", "5,50", "--currency", "usd", "--billing", "spot", "--date", "2026-11-01",
        competitor="Digital Ocean",
    )  # fmt: skip
    assert code == 0, err
    assert "recorded digitalocean vps-s" in out
    for billing in ("on_demand", "marketplace", "reserved", "promo"):
        assert (
            add(cli, home, "--price-hourly", "0.0065", "--billing", billing, "--vcpu", "2", "--ram-gb", "4")[
                0
            ]
            == 0
        )
    assert stored(home)[0] == 5
