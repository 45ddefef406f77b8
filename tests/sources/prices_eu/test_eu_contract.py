"""The EU price sources as a whole: registered, documented, credentials named, and usable from the CLI."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta
from decimal import Decimal

from veille.settings import Settings
from veille.sources import get_parser, sources

MODULES = (
    "ovhcloud",
    "scaleway",
    "hetzner",
    "digitalocean",
    "vultr",
    "ecb",
    "eucloudprices",
    "pricing_pages",
    "hostinger",
)


def _mine():
    return [s for s in sources() if s.id.split(".")[0] in {*MODULES, "pricing_page"}]


def test_every_source_is_declared_documented_and_parsable() -> None:
    specs = _mine()
    assert len(specs) >= 45
    for module in MODULES:
        doc = importlib.import_module(f"veille.sources.{module}").__doc__ or ""
        assert len(doc) > 300, f"{module} needs its one-paragraph docstring"
    for spec in specs:
        assert spec.description and get_parser(spec.parser)
        assert spec.url.startswith("https://")
        if spec.credential:
            assert spec.credential in Settings.model_fields and spec.auth is not None
        if spec.kind == "prices" and not spec.html and spec.id.split(".")[0] != "eucloudprices":
            assert spec.cadence <= timedelta(hours=6)


def test_credentials_and_verification_as_documented() -> None:
    by_id = {s.id: s for s in _mine()}
    assert by_id["hetzner.server_types"].credential == "hetzner_token"
    assert by_id["digitalocean.sizes"].credential == "digitalocean_token"
    assert by_id["scaleway.servers.fr-par-1"].credential == "scaleway_token"
    assert by_id["scaleway.catalog.fr-par-1"].credential is None and by_id["vultr.plans"].credential is None
    assert by_id["ovhcloud.baremetal"].verified is False and by_id["ovhcloud.cloud"].verified is True
    assert by_id["ecb.sdmx"].enabled_by_default is False
    assert (
        by_id["scaleway.servers.it-mil-1"].url
        == "https://api.scaleway.com/instance/v1/zones/it-mil-1/products/servers"
    )
    headers = by_id["scaleway.servers.fr-par-1"].auth("secret")  # type: ignore[misc]
    assert headers == {"headers": {"X-Auth-Token": "secret"}}


def test_cli_parses_a_real_payload_offline(cli, reference, tmp_path) -> None:
    code, out, err = cli(
        "--home",
        tmp_path / "none",
        "sources",
        "parse",
        "scaleway.catalog",
        reference / "pricing/scaleway_product_catalog_instances_fr-par-1.json",
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)
    l4 = next(r for r in rows if r["sku"] == "L4-1-24G")
    assert l4["price_hourly"] == "0.7875" and l4["unit"] == "minute" and l4["gpu_model"] == "NVIDIA L4 24GB"
    assert Decimal(l4["price_monthly"]) == Decimal("574.875") and not (tmp_path / "none").exists()


def test_cli_reports_a_bad_body_in_one_line(cli, tmp_path) -> None:
    bad = tmp_path / "sizes.json"
    bad.write_text('{"sizes": [{"slug": "s-1vcpu-1gb", "price_hourly": 0.00893')
    code, _, err = cli("sources", "parse", "digitalocean.sizes", bad)
    assert code == 1 and "digitalocean.sizes: truncated JSON" in err and "Traceback" not in err
