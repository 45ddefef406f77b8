"""Price catalogues in the providers' real formats (Hetzner, Scaleway, DigitalOcean, OVHcloud,
eu-cloud-prices, Vultr, ECB), one builder per source, parameterised by the demo week."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from veille.demo.payloads import Response, json_response

# --- prices ---------------------------------------------------------------------------------------


def hetzner(step: int) -> Response:
    def server(
        sid: int, name: str, cores: int, memory: int, disk: int, hourly: str, monthly: str
    ) -> dict[str, Any]:
        prices = [
            {
                "location": loc,
                "price_hourly": {"net": hourly, "gross": f"{float(hourly) * 1.19:.10f}"},
                "price_monthly": {"net": monthly, "gross": f"{float(monthly) * 1.19:.10f}"},
                "included_traffic": 21990232555520,
                "price_per_tb_traffic": {"net": "1.0000000000", "gross": "1.1900000000"},
            }
            for loc in ("fsn1", "nbg1", "hel1")
        ]
        return {
            "id": sid,
            "name": name,
            "description": name.upper(),
            "cores": cores,
            "memory": float(memory),
            "disk": disk,
            "deprecated": False,
            "prices": prices,
            "storage_type": "local",
            "cpu_type": "shared",
            "architecture": "x86",
            "included_traffic": None,
            "deprecation": None,
        }

    types = [
        server(104, "cx22", 2, 4, 40, "0.0060000000", "3.7900000000" if step == 0 else "4.1500000000"),
        server(105, "cx32", 4, 8, 80, "0.0113000000", "6.8000000000"),
        server(106, "cx42", 8, 16, 160, "0.0273000000", "16.4000000000"),
        server(107, "cx52", 16, 32, 320, "0.0540000000", "32.4000000000"),
    ]
    if step >= 1:
        types.append(server(108, "cx62", 32, 64, 640, "0.1040000000", "64.9000000000"))
    if step >= 2:
        types = [t for t in types if t["name"] != "cx42"]
    meta = {
        "pagination": {
            "page": 1,
            "per_page": 25,
            "previous_page": None,
            "next_page": None,
            "last_page": 1,
            "total_entries": len(types),
        }
    }
    return json_response({"server_types": types, "meta": meta})


def scaleway(step: int) -> Response:
    def product(
        name: str,
        vcpu: int,
        ram_gib: int,
        nanos: int,
        units: int = 0,
        unit: str = "hour",
        gpu: tuple[int, str] | None = None,
    ) -> dict[str, Any]:
        hardware: dict[str, Any] = {
            "cpu": {
                "description": f"x, vCPUs: {vcpu}",
                "arch": "x64",
                "type": "AMD EPYC 7543",
                "virtual": {"count": vcpu},
                "threads": vcpu,
            },
            "ram": {
                "description": f"{ram_gib} GiB",
                "size": ram_gib * 1024**3,
                "type": "",
                "ecc_type": "standard",
            },
            "storage": {"description": "Block", "total": 0},
            "network": {
                "description": "Internal: 1 Gb/s",
                "internal_bandwidth": 10**9,
                "public_bandwidth": 10**9,
                "max_public_bandwidth": 10**9,
            },
        }
        if gpu:
            hardware["gpu"] = {"description": f"{gpu[0]} x {gpu[1]}", "count": gpu[0], "type": gpu[1]}
        slug = name.lower().replace("-", "_")
        return {
            "sku": f"/compute/{slug}/run_par1",
            "service_category": "Compute",
            "product_category": "Instance",
            "product": name,
            "variant": f"{name} - fr-par-1",
            "description": f"{name} - fr-par-1",
            "locality": {"zone": "fr-par-1"},
            "price": {"retail_price": {"currency_code": "EUR", "units": units, "nanos": nanos}},
            "properties": {
                "hardware": hardware,
                "instance": {
                    "range": "General Purpose",
                    "offer_id": name,
                    "recommended_replacement_offer_ids": [],
                },
            },
            "environmental_impact_estimation": {"kg_co2_equivalent": 0.001, "m3_water_usage": 1e-07},
            "unit_of_measure": {"unit": unit, "size": 1},
            "status": "general_availability",
            "badges": [],
        }

    products = [
        # week 2: DEV1-M goes up, and the analysis's 15 EUR for Scaleway's VPS Entry no longer holds
        product("DEV1-M", 3, 4, 23800000 if step == 0 else 26000000),
        product("POP2-2C-8G", 2, 8, 73500000),
        product("PRO2-S", 8, 32, 219000000),
        product("L4-1-24G", 8, 48, 13125000, unit="minute", gpu=(1, "L4")),
        product("H100-1-80G", 24, 240, 730000000, units=2, gpu=(1, "H100")),
    ]
    return json_response({"products": products, "total_count": len(products)})


def digitalocean(step: int) -> Response:
    def size(
        slug: str,
        vcpus: int,
        memory_mib: int,
        disk: int,
        hourly: float,
        monthly: float,
        desc: str,
        gpu: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {
            "available": True,
            "description": desc,
            "disk": disk,
            "disk_info": [{"size": {"amount": disk, "unit": "gib"}, "type": "local"}],
            "memory": memory_mib,
            "networking_throughput": 2000,
            "price_hourly": hourly,
            "price_monthly": monthly,
            "regions": ["ams3", "fra1", "lon1"],
            "slug": slug,
            "transfer": 4.0,
            "vcpus": vcpus,
        }
        if gpu:
            out["gpu_info"] = gpu
        return out

    sizes = [
        size("s-2vcpu-4gb", 2, 4096, 80, 0.03571, 24, "Basic"),
        size("g-8vcpu-32gb", 8, 32768, 100, 0.375, 252, "General Purpose"),
        size(
            "gpu-h100x1-80gb",
            20,
            245760,
            720,
            3.39,
            2278.08,
            "H100 GPU - 1X",
            {"count": 1, "model": "nvidia_h100", "vram": {"amount": 80, "unit": "gib"}},
        ),
    ]
    return json_response({"sizes": sizes, "links": {}, "meta": {"total": len(sizes)}})


def ovhcloud(step: int) -> Response:
    def addon(
        code: str,
        suffix: str,
        unit: str,
        price: int,
        cores: int,
        memory: int,
        disk: int,
        gpu: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        technical: dict[str, Any] = {
            "cpu": {"cores": cores, "frequency": 3.1, "model": "vCore", "type": "vCore"},
            "memory": {"size": memory},
            "name": code,
            "storage": {"disks": [{"capacity": disk, "interface": "SSD", "number": 1}], "raid": "local"},
            "bandwidth": {"level": 250},
        }
        if gpu:
            technical["gpu"] = gpu
        return {
            "planCode": f"{code}.{suffix}",
            "invoiceName": code,
            "addonFamilies": [],
            "product": "publiccloud-instance",
            "pricingType": "consumption",
            "pricings": [
                {
                    "phase": 0,
                    "capacities": ["consumption"],
                    "commitment": 0,
                    "description": f"{unit}ly prices",
                    "interval": 1,
                    "intervalUnit": unit,
                    "quantity": {"min": 1, "max": None},
                    "repeat": {"min": 1, "max": None},
                    "price": price,
                    "tax": price // 5,
                    "mode": "default",
                    "strategy": "tiered",
                    "mustBeCompleted": False,
                    "type": "consumption",
                    "promotions": [],
                }
            ],
            "configurations": [],
            "family": None,
            "blobs": {
                "commercial": {"brick": "guaranteed-resources", "brickSubtype": None, "name": code},
                "tags": ["active"],
                "technical": technical,
            },
        }

    addons = [
        addon("d2-4", "consumption", "hour", 1190000, 2, 4, 50),
        addon("b3-8", "consumption", "hour", 4840000, 2, 8, 50),
        addon("b3-32", "consumption", "hour", 17600000, 8, 32, 200),
        addon(
            "l4-90",
            "consumption",
            "hour",
            100000000,
            22,
            90,
            400,
            {"model": "L4", "number": 1, "memory": {"size": 24}},
        ),
    ]
    plans = [
        {
            "planCode": "project.2018",
            "invoiceName": "Public Cloud Project",
            "product": "cloud",
            "pricings": [],
        }
    ]
    return json_response(
        {
            "catalogId": 4207,
            "locale": {"currencyCode": "EUR", "subsidiary": "FR", "taxRate": 20},
            "plans": plans,
            "products": [],
            "addons": addons,
        }
    )


def infomaniak(step: int) -> Response:
    instances = [
        {
            "id": "a2-ram4-disk50-perf1",
            "name": "a2-ram4-disk50-perf1",
            "vcpu": 2,
            "ram_gb": 4,
            "disk_gb": 50,
            "disk_type": "nvme",
            "price_hourly": 0.00793,
            "price_monthly": 5.79,
            "currency": "EUR",
            "architecture": "x86",
            "location": "ch-gva",
            "category": "general-purpose",
        },
        {
            "id": "a8-ram32-disk50-perf1",
            "name": "a8-ram32-disk50-perf1",
            "vcpu": 8,
            "ram_gb": 32,
            "disk_gb": 50,
            "disk_type": "nvme",
            "price_hourly": 0.0667,
            "price_monthly": 48.69,
            "currency": "EUR",
            "architecture": "x86",
            "location": "ch-gva",
            "category": "general-purpose",
        },
    ]
    return json_response(
        {
            "provider": "infomaniak",
            "fetched_at": "2026-11-01T00:00:00.000Z",
            "source": "static",
            "manual": True,
            "source_urls": ["https://www.infomaniak.com/en/hosting/public-cloud/prices"],
            "instances": instances,
        }
    )


def vultr(step: int) -> Response:
    if step == 1:  # a week of maintenance pages where the API should be
        return Response(
            b"<!doctype html><html><head><title>Maintenance</title></head><body><h1>We'll be back soon</h1></body></html>",
            "text/html; charset=utf-8",
        )
    plans = [
        {
            "id": "vc2-2c-4gb",
            "vcpu_count": 2,
            "ram": 4096,
            "disk": 80,
            "disk_count": 1,
            "bandwidth": 3072,
            "monthly_cost": 20,
            "hourly_cost": 0.03,
            "type": "vc2",
            "locations": ["fra", "ams", "cdg"],
            "disk_type": "SSD",
            "deploy_ondemand": True,
            "deploy_preemptible": False,
            "location_cost": {},
        },
        {
            "id": "vc2-8c-32gb",
            "vcpu_count": 8,
            "ram": 32768,
            "disk": 640,
            "disk_count": 1,
            "bandwidth": 6144,
            "monthly_cost": 160,
            "hourly_cost": 0.238,
            "type": "vc2",
            "locations": ["fra", "ams"],
            "disk_type": "SSD",
            "deploy_ondemand": True,
            "deploy_preemptible": False,
            "location_cost": {},
        },
    ]
    return json_response({"plans": plans, "meta": {"total": len(plans), "links": {"next": "", "prev": ""}}})


# ECB reference rates (units per EUR) published the day before each demo week: USD, CHF, GBP. Real
# weekly moves are a fraction of a percent; so are these (at most 0.4% from one week to the next).
ECB_RATES: tuple[dict[str, str], ...] = (
    {"USD": "1.0842", "CHF": "0.9391", "GBP": "0.8433"},
    {"USD": "1.0815", "CHF": "0.9402", "GBP": "0.8451"},
    {"USD": "1.0858", "CHF": "0.9377", "GBP": "0.8419"},
)


def ecb(step: int, day: datetime) -> Response:
    rates = ECB_RATES[step]
    cubes = "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items())
    xml = (
        "<?xml version='1.0' encoding='UTF-8'?>"
        "<gesmes:Envelope xmlns:gesmes='http://www.gesmes.org/xml/2002-08-01' xmlns='http://www.ecb.int/vocabulary/2002-08-01/eurofxref'>"
        "<gesmes:subject>Reference rates</gesmes:subject><gesmes:Sender><gesmes:name>European Central Bank</gesmes:name></gesmes:Sender>"
        f"<Cube><Cube time='{(day - timedelta(days=1)).date().isoformat()}'>{cubes}</Cube></Cube></gesmes:Envelope>"
    )
    return Response(xml.encode(), "text/xml")
