"""Hetzner parsers: Cloud server types (net prices per location, monthly cap) and the Server Auction."""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from decimal import Decimal

from veille.sources import Request
from veille.sources.hetzner import paginate_meta


def _offer(offers, sku, region):
    return next(o for o in offers if o.sku == sku and o.region == region)


def test_server_types_real(parse, reference) -> None:
    offers = parse("hetzner.server_types", reference / "pricing/hetzner_server_types.json")
    assert len(offers) == 105  # one per type and location
    cx22 = _offer(offers, "cx22", "fsn1")
    assert (cx22.price_hourly, cx22.price_monthly, cx22.currency) == (
        Decimal("0.0052"),
        Decimal("3.29"),
        "EUR",
    )
    assert cx22.monthly_cap_hours == Decimal("632.69")  # 3.29 / 0.0052
    assert (cx22.vcpu, cx22.ram_gb, cx22.disk_gb, cx22.arch, cx22.category) == (2, 4, 40, "x86_64", "vps")
    cpx11 = _offer(offers, "cpx11", "fsn1")
    assert cpx11.monthly_cap_hours == Decimal("611.11")
    sin = _offer(offers, "cpx11", "sin")  # dearer in Singapore, 1 TiB of traffic included
    assert sin.price_monthly == Decimal("7.4") and sin.extra["included_traffic_bytes"] == 1099511627776
    assert _offer(offers, "cax11", "fsn1").arch == "arm64"
    cx11 = _offer(offers, "cx11", "fsn1")
    assert cx11.extra["deprecated"] is True and cx11.extra["unavailable_after"] == "2024-09-06T00:00:00+00:00"
    assert all(o.price_monthly != Decimal("3.9151") for o in offers)  # gross never used


def test_server_types_fixture_pages(parse, fixtures) -> None:
    page1 = parse("hetzner.server_types", fixtures / "hetzner/server_types_page1.json")
    page2 = parse("hetzner.server_types", fixtures / "hetzner/server_types_page2.json")
    assert {(o.sku, o.region) for o in page1} == {("cx23", "fsn1"), ("cx23", "hel1"), ("cax11", "nbg1")}
    ccx = _offer(page2, "ccx13", "sin")
    assert ccx.price_monthly == Decimal("26.25") and ccx.monthly_cap_hours == Decimal("625")
    assert ccx.extra["deprecation_announced"] == "2026-10-01T08:00:00+00:00"


def test_pagination_meta(fixtures) -> None:
    first = Request("https://api.hetzner.cloud/v1/server_types", params={"page": "1", "per_page": "50"})
    nxt = paginate_meta(first, {}, (fixtures / "hetzner/server_types_page1.json").read_bytes())
    assert nxt is not None and nxt.params == {"page": "2", "per_page": "50"}
    assert paginate_meta(nxt, {}, (fixtures / "hetzner/server_types_page2.json").read_bytes()) is None


def test_auction_real_bare_array(parse, reference) -> None:
    offers = parse("hetzner.auction", reference / "pricing/hetzner_auction_live_data_sb.json")
    assert len(offers) == 2  # two disk configurations
    assert {o.billing for o in offers} == {"marketplace"} and {o.category for o in offers} == {"dedicated"}
    ssd500 = next(o for o in offers if "2x500GB" in o.sku)
    assert (ssd500.price_monthly, ssd500.price_hourly, ssd500.ram_gb, ssd500.disk_gb) == (
        Decimal("30"),
        Decimal("0.0481"),
        32,
        1000,
    )
    assert ssd500.region == "fsn1" and ssd500.extra["count"] == 1


def test_auction_summarised_per_configuration(parse, fixtures) -> None:
    offers = parse("hetzner.auction", fixtures / "hetzner/auction_live_data_sb.json")
    hel = next(o for o in offers if o.region == "hel1")
    assert hel.price_monthly == Decimal("37.7") and hel.extra["count"] == 4
    assert hel.extra["median"] == "40" and hel.extra["p25"] == "38.68"
    assert hel.extra["datacenters"] == ["HEL1-DC2", "HEL1-DC7"] and hel.extra["cheapest_id"] == 1
    assert {(o.region, o.price_monthly) for o in offers} == {
        ("hel1", Decimal("37.7")),
        ("fsn1", Decimal("36")),
        ("fsn1", Decimal("29")),
    }


FULL_AUCTION = "hetzner/auction_live_data_sb_2024-11-21.json.gz"  # a whole real feed, 1,173 servers


def _machine(server: dict) -> tuple:  # type: ignore[type-arg]
    """What a buyer gets: CPU, RAM, ECC, every disk, the GPU line, and the location."""
    disks = tuple(tuple(sorted(server["serverDiskData"][kind])) for kind in ("nvme", "sata", "hdd"))
    gpu = tuple(line for line in server["description"] if line.startswith("GPU - "))
    location = re.match(r"[A-Za-z]+\d*", server["datacenter"])[0].lower()  # type: ignore[index]
    return (server["cpu"], server["ram_size"], server["is_ecc"], disks, gpu, location)


def test_auction_gpu_servers_are_gpu_offers(parse, fixtures) -> None:
    body = gzip.decompress((fixtures / FULL_AUCTION).read_bytes())
    servers = json.loads(body)["server"]
    offers = parse("hetzner.auction", body)
    gpu_offers = [o for o in offers if o.category == "gpu"]
    assert gpu_offers, "the feed has GTX 1080 servers"
    assert {(o.gpu_model, o.gpu_count, o.gpu_memory_gb) for o in gpu_offers} == {
        ("NVIDIA GTX 1080 8GB", Decimal(1), Decimal(8))
    }
    gpu_servers = [s for s in servers if "GPU - GeForce GTX 1080" in s["description"]]
    assert sum(o.extra["count"] for o in gpu_offers) == len(gpu_servers) == 21
    assert all("GTX 1080" in o.name and "|1x NVIDIA GTX 1080 8GB" in o.sku for o in gpu_offers)
    assert min(o.price_monthly for o in gpu_offers) == min(Decimal(str(s["price"])) for s in gpu_servers)


def test_auction_groups_never_mix_machines(parse, fixtures) -> None:
    body = gzip.decompress((fixtures / FULL_AUCTION).read_bytes())
    groups: dict[tuple, list[Decimal]] = defaultdict(list)  # type: ignore[type-arg]
    for server in json.loads(body)["server"]:
        groups[_machine(server)].append(Decimal(str(server["price"])))
    offers = parse("hetzner.auction", body)
    assert len({(o.sku, o.region) for o in offers}) == len(offers) == len(groups) == 1073
    # each offer is exactly one machine's group: same location, size and cheapest price
    assert sorted((o.region, o.extra["count"], o.price_monthly) for o in offers) == sorted(
        (machine[-1], len(prices), min(prices)) for machine, prices in groups.items()
    )
    mixed = next(o for o in offers if o.sku == "auction:Intel Core i7-6700|64GB|2x250GB+1x1000GB SATA")
    assert (mixed.disk_gb, mixed.extra["count"]) == (1500, 1)  # not "3x1000GB"
    assert any(o.extra["ecc"] and o.sku.endswith("|ECC") and "64 GB ECC" in o.name for o in offers)


def test_pricing_volumes_and_ips(parse, fixtures) -> None:
    offers = parse("hetzner.pricing", fixtures / "hetzner/pricing.json")
    volume = next(o for o in offers if o.sku == "volume")
    assert (volume.category, volume.unit, volume.price_monthly, volume.currency) == (
        "block_storage",
        "GB-month",
        Decimal("0.044"),
        "EUR",
    )
    assert volume.extra["per_tb_month"] == "44" and volume.extra["backup_percentage"] == "20.00"
    ipv4 = next(o for o in offers if o.sku == "primary_ip.ipv4" and o.region == "ash")
    assert (ipv4.price_monthly, ipv4.price_hourly, ipv4.category) == (
        Decimal("0.5"),
        Decimal("0.0008"),
        "other",
    )
    assert len(offers) == 4
