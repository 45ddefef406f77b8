"""An offer stored before any ECB rate of its date was known still gets positioned once one is."""

from __future__ import annotations

import json
from pathlib import Path

SIZES = {
    "sizes": [
        {
            "available": True,
            "description": "Basic",
            "disk": 80,
            "memory": 4096,
            "price_hourly": 0.03571,
            "price_monthly": 24,
            "regions": ["fra1"],
            "slug": "s-2vcpu-4gb",
            "transfer": 4.0,
            "vcpus": 2,
        },
    ],
    "links": {},
    "meta": {"total": 1},
}
ECB = (
    "<?xml version='1.0' encoding='UTF-8'?><gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' "
    "xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'><gesmes:subject>Reference rates</gesmes:subject>"
    "<Cube><Cube time='2030-01-01'><Cube currency='USD' rate='1.2000'/></Cube></Cube></gesmes:Envelope>"
)


def test_missing_rate_at_ingest_is_filled_at_the_observation_date(cli, tmp_path: Path) -> None:
    home, captures = tmp_path / "ws", tmp_path / "captures"
    (captures / "2030-01-01T08-00-00Z" / "digitalocean.sizes").mkdir(parents=True)
    (captures / "2030-01-01T08-00-00Z" / "digitalocean.sizes" / "page-1.json").write_text(json.dumps(SIZES))
    (captures / "2030-01-01T18-00-00Z" / "ecb.daily").mkdir(parents=True)
    (captures / "2030-01-01T18-00-00Z" / "ecb.daily" / "eurofxref-daily.xml").write_text(ECB)
    assert cli("--home", home, "init")[0] == 0
    code, _, err = cli("--home", home, "replay", captures)
    assert code == 0, err
    code, out, err = cli("--home", home, "positioning", "--json", "--at", "2030-01-02")
    assert code == 0, err
    rows = [
        r
        for r in json.loads(out)["rows"]
        if r["competitor"] == "digitalocean" and r["product"] == "vps-entry"
    ]
    assert rows and rows[0]["basis"] == "live"
    assert rows[0]["monthly_eur"] == "20.00"  # 24 USD at 1.2000 USD per EUR, the rate of the observation date


def test_an_offer_is_converted_at_the_rate_of_the_day_asked_about(cli, tmp_path: Path) -> None:
    """The version started on 1 Jan at 1.2000; asked about 10 Jan, the figure is at 10 Jan's rate."""
    home, captures = tmp_path / "ws", tmp_path / "captures"
    (captures / "2030-01-01T08-00-00Z" / "ecb.daily").mkdir(parents=True)
    (captures / "2030-01-01T08-00-00Z" / "ecb.daily" / "eurofxref-daily.xml").write_text(ECB)
    (captures / "2030-01-01T09-00-00Z" / "digitalocean.sizes").mkdir(parents=True)
    (captures / "2030-01-01T09-00-00Z" / "digitalocean.sizes" / "page-1.json").write_text(json.dumps(SIZES))
    (captures / "2030-01-09T08-00-00Z" / "ecb.daily").mkdir(parents=True)
    later = ECB.replace("2030-01-01", "2030-01-09").replace("1.2000", "1.2500")
    (captures / "2030-01-09T08-00-00Z" / "ecb.daily" / "eurofxref-daily.xml").write_text(later)
    assert cli("--home", home, "init")[0] == 0
    code, _, err = cli("--home", home, "replay", captures)
    assert code == 0, err
    figures = {}
    for day in ("2030-01-02", "2030-01-10"):
        code, out, err = cli("--home", home, "positioning", "--json", "--at", day)
        assert code == 0, err
        row = next(
            r
            for r in json.loads(out)["rows"]
            if r["competitor"] == "digitalocean" and r["product"] == "vps-entry"
        )
        figures[day] = (row["monthly_eur"], row["fx_rate"], row["fx_date"], row["offer"]["fx_rate"])
    assert figures == {
        "2030-01-02": ("20.00", "1.2", "2030-01-01", "1.2"),
        "2030-01-10": ("19.20", "1.25", "2030-01-09", "1.25"),  # 24 USD at 1.2500, not at 1.2000
    }
