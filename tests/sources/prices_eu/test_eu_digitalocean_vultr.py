"""DigitalOcean sizes (672 h cap, MiB, GPU Droplets) and Vultr plans (caps, overrides, spot, fractional GPUs)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from veille.errors import ParseError
from veille.sources import Request
from veille.sources.digitalocean import paginate_links
from veille.sources.vultr import paginate_cursor


def test_do_sizes_real(parse, reference) -> None:
    offers = parse("digitalocean.sizes", reference / "pricing/digitalocean_sizes.json")
    assert len(offers) == 29 and {o.currency for o in offers} == {"USD"}
    first = next(o for o in offers if o.sku == "s-1vcpu-512mb-10gb")
    assert (first.price_hourly, first.price_monthly, first.ram_gb, first.disk_gb) == (
        Decimal("0.00595"),
        Decimal("4"),
        Decimal("0.5"),
        10,
    )
    assert first.monthly_cap_hours == 672 and first.region is None and first.available is True
    assert first.extra["regions"] == ["ams3", "fra1", "nyc1", "sfo3", "sgp1", "syd1"]
    s2 = next(o for o in offers if o.sku == "s-2vcpu-4gb")
    assert (s2.vcpu, s2.ram_gb, s2.price_monthly) == (2, 4, Decimal("24"))
    # the monthly figure is the 672-hour cap of the hourly one
    assert all(abs(o.price_hourly * 672 - o.price_monthly) < Decimal("0.01") for o in offers)


def test_do_gpu_droplets_and_pages(parse, fixtures) -> None:
    page1 = parse("digitalocean.sizes", fixtures / "digitalocean/sizes_page1.json")
    h100 = next(o for o in page1 if o.sku == "gpu-h100x1-80gb")
    assert (h100.category, h100.gpu_model, h100.gpu_count, h100.gpu_memory_gb) == (
        "gpu",
        "NVIDIA H100 80GB",
        1,
        80,
    )
    assert h100.ram_gb == 240 and h100.price_hourly == Decimal("3.39")
    (mi300,) = parse("digitalocean.sizes", fixtures / "digitalocean/sizes_page2.json")
    assert (mi300.gpu_model, mi300.gpu_count, mi300.gpu_memory_gb, mi300.available) == (
        "AMD MI300X 192GB",
        8,
        192,
        False,
    )


def test_do_pagination_keeps_the_configured_host(fixtures) -> None:
    first = Request("https://api.digitalocean.com/v2/sizes", params={"per_page": "200"})
    nxt = paginate_links(first, {}, (fixtures / "digitalocean/sizes_page1.json").read_bytes())
    assert nxt is not None and nxt.url == first.url and nxt.params == {"page": "2", "per_page": "2"}
    assert paginate_links(nxt, {}, (fixtures / "digitalocean/sizes_page2.json").read_bytes()) is None


def _v(offers, sku, region, billing="on_demand"):
    return next(o for o in offers if o.sku == sku and o.region == region and o.billing == billing)


def test_vultr_plans_caps_overrides_spot(parse, fixtures) -> None:
    offers = parse("vultr.plans", fixtures / "vultr/plans_page1.json")
    fra = _v(offers, "vc2-1c-2gb", "fra")
    assert (fra.price_hourly, fra.price_monthly, fra.monthly_cap_hours) == (
        Decimal("0.015"),
        Decimal("10"),
        Decimal("666.67"),
    )
    assert (fra.ram_gb, fra.vcpu, fra.currency) == (2, 1, "USD")
    sao = _v(offers, "vc2-1c-2gb", "sao")  # location_cost override
    assert (sao.price_hourly, sao.price_monthly) == (Decimal("0.018"), Decimal("12"))
    assert not any(o.billing == "spot" for o in offers if o.sku == "vc2-1c-2gb")  # deploy_preemptible false
    spot = _v(offers, "vhf-2c-4gb", "cdg", "spot")
    assert (spot.price_hourly, spot.price_monthly) == (Decimal("0.018"), Decimal("12"))
    assert len(offers) == 3 + 2 * 2


def test_vultr_fractional_and_metal_gpus(parse, fixtures) -> None:
    offers = parse("vultr.plans", fixtures / "vultr/plans_page2.json")
    a16 = _v(offers, "vcg-a16-2c-16g-2vram", "fra")
    assert (a16.gpu_count, a16.gpu_memory_gb, a16.gpu_model) == (Decimal("0.125"), 2, "NVIDIA A16 16GB")
    a100 = _v(offers, "vcg-a100-12c-120g-80vram", "ewr")
    assert (a100.gpu_count, a100.gpu_model, a100.gpu_memory_gb) == (1, "NVIDIA A100 80GB", 80)
    vdm = _v(offers, "vcg-h100-216c-1914gb-640vram", "sea")
    assert (vdm.gpu_model, vdm.gpu_count, vdm.category) == ("NVIDIA H100 80GB", 8, "gpu")
    metal = parse("vultr.metal", fixtures / "vultr/plans_metal.json")
    small = _v(metal, "vbm-4c-32gb", "fra")
    assert (small.category, small.vcpu, small.ram_gb, small.disk_gb) == ("bare_metal", 8, 32, 480)
    assert small.price_monthly == Decimal("185") and small.monthly_cap_hours == Decimal("672.73")
    h100 = _v(metal, "vbm-112c-2048gb-8-h100-gpu", "sea", "spot")
    assert (h100.gpu_model, h100.gpu_count, h100.price_hourly) == ("NVIDIA H100 80GB", 8, Decimal("18.4"))


def test_vultr_cursor_pagination(fixtures) -> None:
    first = Request("https://api.vultr.com/v2/plans", params={"type": "all", "per_page": "500"})
    nxt = paginate_cursor(first, {}, (fixtures / "vultr/plans_page1.json").read_bytes())
    assert nxt is not None and nxt.params == {
        "type": "all",
        "per_page": "500",
        "cursor": "bmV4dF9fdmNnLWExNi0yYy0xNmctMnZyYW0=",
    }
    assert paginate_cursor(nxt, {}, (fixtures / "vultr/plans_page2.json").read_bytes()) is None


def test_vultr_bad_fraction(parse, fixtures) -> None:
    body = (fixtures / "vultr/plans_page2.json").read_bytes().replace(b'"1/8"', b'"1/0"')
    with pytest.raises(ParseError, match="gpu_count"):
        parse("vultr.plans", body)


def test_vultr_wrong_endpoint(parse, fixtures) -> None:
    with pytest.raises(ParseError, match="plans_metal"):
        parse("vultr.metal", fixtures / "vultr/plans_page1.json")


def test_do_pagination_stops_on_a_link_to_itself() -> None:
    current = Request("https://api.digitalocean.com/v2/sizes", params={"page": "2", "per_page": "2"})
    body = b'{"sizes": [], "links": {"pages": {"next": "https://api.digitalocean.com/v2/sizes?page=2&per_page=2"}}}'
    assert paginate_links(current, {}, body) is None
