"""Ingest throughput and memory: parse + normalise + diff of big price catalogues on one core.

Two generated catalogues (never committed; generated on the fly or in a temp dir):

- Azure Retail Prices pages (``azure.retail``): ``BENCH_AZURE_ROWS`` items (default 1,000,000) in pages of
  100 items, i.e. 10,000 pages, each a distinct (size, region, billing) offer. Three runs against a
  SQLite workspace (or the empty PostgreSQL database named by ``BENCH_DATABASE_URL``): the baseline
  (every offer new: versions inserted), the same catalogue again (pure diff, nothing written), and one
  where 1% of the prices moved by +3% (new versions, events).
- An AWS EC2 offer file (``aws.offer``, streamed): ``BENCH_AWS_MB`` MB (default 300) of indented JSON
  with ``products`` and ``terms.OnDemand``; a quarter of the products are Linux shared on-demand. Its
  rows are counted as the file's records: every product and every on-demand price dimension (one per
  product); products per second and MB per second are printed too.

Each scenario runs in a fresh process, with the garbage-collector setting of the command line, so its
peak memory (``ru_maxrss``) is its own. Page generation is not timed. Each run prints two rates: rows
parsed, normalised and diffed per CPU second (the issue's target: >= 100,000 rows/s on one core), and
the same with storing, i.e. encoding and inserting the new versions, closing the versions they replace
(or that are gone), inserting the events and committing, in this process (SQLite's index upkeep
included; on PostgreSQL the server's share is in its own process). Peak memory target: < 300 MB.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

AZURE_ROWS = int(os.environ.get("BENCH_AZURE_ROWS", "1000000"))
AWS_MB = int(os.environ.get("BENCH_AWS_MB", "300"))
# An empty PostgreSQL database to use instead of a SQLite file (its tables are created, then dropped).
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL") or None
PAGE = 100
REGIONS = ("westeurope", "northeurope", "francecentral", "germanywestcentral", "swedencentral", "uksouth",
           "switzerlandnorth", "norwayeast", "polandcentral", "italynorth", "spaincentral", "eastus",
           "eastus2", "westus2", "westus3", "centralus", "canadacentral", "japaneast", "australiaeast",
           "southeastasia")  # fmt: skip
FAMILIES = ("D", "E", "F")
SUFFIXES = ("", "s", "ds", "as", "ads", "ls", "lds", "ps", "pds")
T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- Azure ---------------------------------------------------------------------------------------------


def azure_item(index: int, bump: bool) -> dict[str, Any]:
    region = REGIONS[index % len(REGIONS)]
    rest = index // len(REGIONS)
    spot, rest = rest % 2, rest // 2
    vcpu, rest = rest % 192 + 1, rest // 192
    suffix, rest = SUFFIXES[rest % len(SUFFIXES)], rest // len(SUFFIXES)
    family, version = FAMILIES[rest % 3], rest // 3 + 2
    size = f"{family}{vcpu}{suffix}"
    price = round(vcpu * 0.0421 + version * 0.0013 + (0.0007 if suffix else 0), 6)
    if spot:
        price = round(price * 0.2, 6)
    if bump and index % 100 == 7:
        price = round(price * 1.03, 6)
    return {
        "currencyCode": "EUR", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
        "armRegionName": region, "location": region, "effectiveStartDate": "2026-10-01T00:00:00Z",
        "meterId": f"m-{index:08d}", "meterName": f"{size} v{version}" + (" Spot" if spot else ""),
        "productId": f"DZH{index:09d}", "skuId": f"DZH{index:09d}/00", "productName": f"Virtual Machines {family} Series",
        "skuName": f"{size} v{version}" + (" Spot" if spot else ""), "serviceName": "Virtual Machines",
        "serviceId": "DZH313Z7MMC8", "serviceFamily": "Compute", "unitOfMeasure": "1 Hour",
        "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": f"Standard_{size}_v{version}",
    }  # fmt: skip


def azure_pages(rows: int, bump: bool = False) -> Iterator[bytes]:
    base = "https://prices.azure.com/api/retail/prices?currencyCode='EUR'&$skip="
    for start in range(0, rows, PAGE):
        items = [azure_item(i, bump) for i in range(start, min(rows, start + PAGE))]
        following = f"{base}{start + PAGE}" if start + PAGE < rows else None
        yield orjson.dumps(
            {"BillingCurrency": "EUR", "Items": items, "NextPageLink": following, "Count": len(items)}
        )


def ingest(ws: Any, spec: Any, bodies: Iterator[Any], now: datetime, parse: Any) -> dict[str, Any]:
    """One run through the runner's ingest path; returns its timings (CPU seconds of this process)."""
    from veille.collect.record import insert_events
    from veille.detect import prices
    from veille.detect.prices import OfferSnapshot
    from veille.ingest import IngestContext
    from veille.sources._registry import ParseContext
    from veille.store.models import SourceRun

    timings = {"parse": 0.0, "diff": 0.0, "finish": 0.0, "offers": 0, "store": 0.0}
    insert_versions, close = prices.insert_versions, OfferSnapshot.close

    def timed_insert(session: Any, rows: Any) -> None:  # the database's share: encoding and inserts
        t = time.process_time()
        insert_versions(session, rows)
        timings["store"] += time.process_time() - t

    def timed_close(snapshot: Any, ids: Any) -> None:  # ... and closing the versions replaced or gone
        t = time.process_time()
        close(snapshot, ids)
        timings["store"] += time.process_time() - t

    prices.insert_versions = timed_insert  # type: ignore[assignment]
    OfferSnapshot.close = timed_close  # type: ignore[method-assign]
    pctx = ParseContext(spec.id, spec.competitor, spec.url, now)
    wall = time.perf_counter()
    started = time.process_time()
    session = ws.store.sessions()
    run = SourceRun(source_id=spec.id, started_at=now, status="running", observations=0, events=0)
    session.add(run)
    session.flush()
    snap = OfferSnapshot(IngestContext(session, spec, run.id, now, ws.settings, [], spec.url))
    timings["diff"] += time.process_time() - started
    generating = 0.0  # elapsed time spent making the pages (the benchmark's own work)
    while True:
        g = time.perf_counter()
        body = next(bodies, None)
        generating += time.perf_counter() - g
        if body is None:
            break
        t0 = time.process_time()
        offers = parse(body, pctx)
        t1 = time.process_time()
        snap.add_all(offers)
        t2 = time.process_time()
        timings["parse"] += t1 - t0
        timings["diff"] += t2 - t1
        timings["offers"] += len(offers)
    t0 = time.process_time()
    drafts = snap.finish()
    t1 = time.process_time()
    timings["events"] = len(insert_events(session, drafts, now=now, source_id=spec.id, run_id=run.id))
    session.commit()
    session.close()
    timings["store"] += time.process_time() - t1
    timings["finish"] = time.process_time() - t0
    timings["written"] = snap.written
    timings["wall"] = time.perf_counter() - wall
    timings["elapsed"] = timings["wall"] - generating
    prices.insert_versions, OfferSnapshot.close = insert_versions, close  # type: ignore[method-assign]
    return timings


def report(label: str, rows: int, t: dict[str, Any], unit: str = "rows") -> None:
    total = t["parse"] + t["diff"] + t["finish"]
    work = total - t["store"]
    print(
        f"  {label:<28} {rows:>9,} {unit}: parsed, normalised and diffed {rows / work:>9,.0f} {unit}/s"
        f" ({work:.1f} CPU s: parse {t['parse']:.1f}, diff and gate {work - t['parse']:.1f});"
        f" {t['offers']:,} offers, {t.get('events', 0)} events; peak {peak_mb():.0f} MB\n"
        f"  {'':<28} {'':>9} {'':<{len(unit)}}  with storing {rows / total:>26,.0f} {unit}/s"
        f" ({total:.1f} CPU s, of which {t['store']:.1f} storing: {t['written']:,} versions inserted, the"
        f" replaced ones closed, {t.get('events', 0)} events, commit; {t['wall']:.1f} s elapsed with page generation)\n"
        f"  {'':<28} {'':>9} {'':<{len(unit)}}  elapsed      {rows / t['elapsed']:>26,.0f} {unit}/s"
        f" ({t['elapsed']:.1f} s from the first page to the commit, page generation left out; the database"
        f" server's work included)",
        flush=True,
    )


def _workspace(folder: Path) -> Any:
    from veille.settings import Settings
    from veille.workspace import Workspace

    ws = Workspace(Settings(home=folder / "ws", database_url=DATABASE_URL))
    ws.init_store()
    return ws


def _drop_tables(ws: Any) -> None:
    """Leave the PostgreSQL database as empty as it was given (a SQLite file goes with its folder)."""
    if DATABASE_URL:
        from sqlalchemy import text

        from veille.store.models import Base

        Base.metadata.drop_all(ws.store.engine)
        with ws.store.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def azure_scenario() -> None:
    from veille.sources._registry import SourceSpec
    from veille.sources.azure import parse_retail

    spec = SourceSpec(id="azure.retail.bench", competitor="azure", kind="prices", parser="azure.retail",
                      url="https://prices.azure.com/api/retail/prices", cadence=timedelta(days=1))  # fmt: skip
    print(
        f"  azure.retail: {AZURE_ROWS:,} items in {AZURE_ROWS // PAGE:,} pages; process at start {peak_mb():.0f} MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ws = _workspace(Path(tmp))
        report("baseline (all new)", AZURE_ROWS, ingest(ws, spec, azure_pages(AZURE_ROWS), T0, parse_retail))
        again = ingest(ws, spec, azure_pages(AZURE_ROWS), T0 + timedelta(days=1), parse_retail)
        report("same catalogue (pure diff)", AZURE_ROWS, again)
        moved = ingest(ws, spec, azure_pages(AZURE_ROWS, bump=True), T0 + timedelta(days=2), parse_retail)
        report("1% of prices +3%", AZURE_ROWS, moved)
        _drop_tables(ws)


# --- AWS -----------------------------------------------------------------------------------------------


def write_aws_offer_file(path: Path, megabytes: int) -> int:
    """An EC2 offer file of about ``megabytes`` MB; returns its number of products."""
    target = megabytes * 1024 * 1024

    def product(i: int) -> dict[str, Any]:
        kept = i % 4 == 0
        return {
            "sku": f"SKU{i:010d}", "productFamily": "Compute Instance",
            "attributes": {
                "servicecode": "AmazonEC2", "location": "EU (Frankfurt)", "locationType": "AWS Region",
                "instanceType": f"m{i % 9 + 4}{'g' if i % 3 else ''}.{i // 4}xlarge", "currentGeneration": "Yes",
                "instanceFamily": "General purpose", "vcpu": str(2 + i % 64), "physicalProcessor": "Intel Xeon Platinum 8175",
                "clockSpeed": "3.1 GHz", "memory": f"{8 + i % 256} GiB", "storage": "EBS only",
                "networkPerformance": "Up to 10 Gigabit", "processorArchitecture": "64-bit",
                "tenancy": "Shared" if kept or i % 4 == 1 else "Dedicated",
                "operatingSystem": "Linux" if kept or i % 4 == 2 else "Windows",
                "licenseModel": "No License required", "usagetype": f"EUC1-BoxUsage:m5.{i}",
                "operation": "RunInstances", "capacitystatus": "Used", "gpuMemory": "NA",
                "marketoption": "OnDemand", "preInstalledSw": "NA", "regionCode": "eu-central-1",
                "servicename": "Amazon Elastic Compute Cloud",
            },
        }  # fmt: skip

    def term(i: int) -> dict[str, Any]:
        sku, code = f"SKU{i:010d}", f"SKU{i:010d}.JRTCKXETXF"
        price = f"{(2 + i % 64) * 0.048 + (i % 7) * 0.001:.10f}"
        return {code: {"offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z",
                       "priceDimensions": {f"{code}.6YS6EN2CT7": {
                           "rateCode": f"{code}.6YS6EN2CT7", "description": f"${price} per On Demand Linux m5 Instance Hour",
                           "beginRange": "0", "endRange": "Inf", "unit": "Hrs", "pricePerUnit": {"USD": price},
                           "appliesTo": []}},
                       "termAttributes": {}}}  # fmt: skip

    per = len(orjson.dumps(product(1), option=orjson.OPT_INDENT_2)) + len(
        orjson.dumps(term(1), option=orjson.OPT_INDENT_2)
    )
    count = max(1, target // (per + 40))
    indent = orjson.OPT_INDENT_2
    with path.open("wb") as out:
        out.write(
            b'{\n  "formatVersion" : "v1.0",\n  "offerCode" : "AmazonEC2",\n  "version" : "20261126",\n  "products" : {\n'
        )
        for i in range(count):
            out.write(
                b'    "SKU%010d" : ' % i
                + orjson.dumps(product(i), option=indent)
                + (b",\n" if i + 1 < count else b"\n")
            )
        out.write(b'  },\n  "terms" : {\n    "OnDemand" : {\n')
        for i in range(count):
            out.write(
                b'      "SKU%010d" : ' % i
                + orjson.dumps(term(i), option=indent)
                + (b",\n" if i + 1 < count else b"\n")
            )
        out.write(b'    },\n    "Reserved" : { }\n  }\n}\n')
    return count


def aws_scenario() -> None:
    from veille.sources._registry import SourceSpec
    from veille.sources.aws import parse_offer

    spec = SourceSpec(id="aws.offer.bench", competitor="aws", kind="prices", parser="aws.offer",
                      url="https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/eu-central-1/index.json",
                      cadence=timedelta(days=1), streaming=True)  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.json"
        t0 = time.process_time()
        products = write_aws_offer_file(path, AWS_MB)
        size = path.stat().st_size / 1024 / 1024
        print(f"  aws.offer: generated {size:.0f} MB, {products:,} products in {time.process_time() - t0:.0f} s;"
              f" process at start {peak_mb():.0f} MB", flush=True)  # fmt: skip
        ws = _workspace(Path(tmp))
        # the file's records: each product and each on-demand price dimension (one per product here)
        records = products * 2
        for label, day in (("baseline (all new)", 0), ("same file (pure diff)", 1)):
            with path.open("rb") as handle:
                timings = ingest(ws, spec, iter([handle]), T0 + timedelta(days=day), parse_offer)
            report(label, records, timings, unit="records")
            work = timings["parse"] + timings["diff"] + timings["finish"] - timings["store"]
            print(
                f"  {'':<28} parsed, normalised and diffed: {products / work:,.0f} products/s,"
                f" {size / work:.1f} MB/s of offer file",
                flush=True,
            )
        _drop_tables(ws)


def _child(name: str) -> None:
    from veille.runtime import collect_less

    collect_less()  # as the command line does
    {"azure": azure_scenario, "aws": aws_scenario}[name]()


def main(argv: list[str] | None = None) -> None:
    """``python -m bench ingest [--only azure|aws]``: both scenarios, or the one named."""
    parser = argparse.ArgumentParser(description="ingest throughput and memory")
    parser.add_argument("--only", choices=("azure", "aws"), help="run this scenario alone")
    only = parser.parse_args(argv or []).only
    names = [only] if only else ["azure", "aws"]
    print(
        f"  load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; times are CPU seconds (process time)"
    )
    context = multiprocessing.get_context("spawn")
    for name in names:
        process = context.Process(target=_child, args=(name,))
        process.start()
        process.join()
        if process.exitcode:
            print(f"  {name}: failed with exit code {process.exitcode}")
    print(f"  load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
