"""AWS EC2 bulk offer files: Linux on-demand prices per EU region, streamed.

``GET https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current/{region}/index.json``, no
auth. ``.../current/region_index.json`` lists the regions and their ``currentVersionUrl``; the
``current`` path always serves the latest version, so each region is one source. A regional file is
hundreds of MB: the fetcher spools it to disk and ``aws.offer`` (a streaming parser) reads it with
ijson in constant memory.

Two passes of ijson's C parser: the first keeps the ``products`` that pass the filter
(Linux, no pre-installed software, shared tenancy, capacitystatus Used, "No License required", an AWS
Region, product family "Compute Instance" or "Compute Instance (bare metal)") as small tuples; the
second reads ``terms.OnDemand`` and keeps the hourly ``USD`` price of those SKUs only. Memory stays
flat whatever the file size, and the order of ``products`` and ``terms`` in the file does not matter
(real files put products first). The file is first split at the top-level ``"terms"`` key (searched
backwards from the end) so that each byte is parsed once: products from the head, terms from the
tail; when the split does not hold, both passes read the whole file. A body that
cannot seek is spooled to a temporary file first. A truncated file raises ``ParseError``.

Files in the usual layout take a faster road first (``_scan_fast``): ``products`` and
``terms.OnDemand`` cut into pieces of some 64 KB (``_json_pieces``), each decoded by msgspec into the
few fields read (``_Record``, ``_Term``). A piece of another shape sends the whole file to the exact
scans, whose entries are converted to the same types (``record_of``, ``terms_of``), so both roads
filter with the same code.

GPU models are not in the offer file (only the count, ``gpu``); they come from the instance family
(``GPU_FAMILIES``), with ``gpuMemory`` used when the family is unknown.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import IO, Any, NamedTuple, cast

import ijson
import msgspec
import orjson

from veille.errors import ParseError
from veille.normalise.gpu import canonical_gpu, gpu_memory_gb
from veille.observations import HOURS_PER_MONTH, Observation, Offer
from veille.sources._fast_offer import new_offer
from veille.sources._json_pieces import Members, Unsure
from veille.sources._registry import ParseContext, parser

try:  # the C backend is ~10x faster; fall back to whatever ijson picked
    from ijson.backends import yajl2_c as _backend
except ImportError:  # pragma: no cover - depends on the wheel
    _backend = ijson

PARSER_ID = "aws.offer"
BASE = "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonEC2/current"
REGION_INDEX_URL = f"{BASE}/region_index.json"
EU_REGIONS = (
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
)
CHUNK = 1 << 20

# Instance family -> GPU (canonical name input) for the families whose offer records carry only a count.
GPU_FAMILIES = {
    "p2": "K80", "p3": "V100 16GB", "p3dn": "V100 32GB", "p4d": "A100 40GB", "p4de": "A100 80GB",
    "p5": "H100 80GB", "p5e": "H200", "p5en": "H200", "p6-b200": "B200", "p6e-gb200": "GB200",
    "g3": "M60", "g3s": "M60", "g4dn": "T4", "g4ad": "Radeon Pro V520", "g5": "A10G", "g5g": "T4G",
    "g6": "L4", "g6e": "L40S", "g6f": "L4", "gr6": "L4", "gr6f": "L4", "g7e": "RTX PRO 6000", "dl1": "Gaudi",
}  # fmt: skip

_FAMILIES = {"Compute Instance": False, "Compute Instance (bare metal)": True}
_SIZE = re.compile(r"^([\d.,]+)\s*(GiB|GB|TiB|TB)$")
_STORAGE = re.compile(r"^(\d+)\s*x\s*([\d,]+)")


class Product(NamedTuple):
    instance_type: str
    region: str | None
    vcpu: Decimal | None
    ram_gb: Decimal | None
    disk_gb: Decimal | None
    gpu_model: str | None
    gpu_count: Decimal | None
    arch: str
    bare_metal: bool


def _fail(message: str) -> ParseError:
    return ParseError(PARSER_ID, message)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _number(text: Any) -> Decimal | None:
    if not isinstance(text, str) or not text or text == "NA":
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _gib(text: Any) -> Decimal | None:
    match = _SIZE.match(text.strip()) if isinstance(text, str) else None
    if not match:
        return None
    value = Decimal(match[1].replace(",", ""))
    return value * 1024 if match[2] in ("TiB", "TB") else value


class _Attributes(msgspec.Struct, gc=False):
    """The product attributes the filter and the offer read (the other twenty are skipped unbuilt)."""

    operatingSystem: Any = None
    preInstalledSw: Any = None
    tenancy: Any = None
    capacitystatus: Any = None
    licenseModel: Any = "No License required"
    locationType: Any = "AWS Region"
    instanceType: Any = None
    regionCode: Any = None
    vcpu: Any = None
    memory: Any = None
    storage: Any = None
    gpu: Any = None
    gpuMemory: Any = None
    physicalProcessor: Any = ""


class _Record(msgspec.Struct, gc=False):
    """A ``products`` entry."""

    sku: Any = None
    productFamily: Any = None
    attributes: _Attributes | None = None


class _Dimension(msgspec.Struct, gc=False):
    rateCode: Any = None
    unit: Any = None
    pricePerUnit: Any = None


class _Term(msgspec.Struct, gc=False):
    """One offer term of a SKU's ``terms.OnDemand`` entry."""

    priceDimensions: dict[str, _Dimension] | None = None
    termAttributes: Any = None


# The fast scan's typed decoders; a piece of another shape is a ValueError, hence Unsure.
_PRODUCTS = msgspec.json.Decoder(dict[str, _Record])
_ON_DEMAND = msgspec.json.Decoder(dict[str, dict[str, _Term]])


def record_of(value: Any) -> _Record | None:
    """A ``products`` entry as read by ijson, as the fast scan's decoder gives it (None: not a product).

    Attributes that are not an object leave nothing to keep; an entry that is not an object is an error.
    """
    if not isinstance(value, dict):
        raise _fail("a products entry is not an object")
    try:
        return msgspec.convert(value, _Record)
    except msgspec.ValidationError:
        return None


def terms_of(value: Any) -> dict[str, _Term]:
    """A ``terms.OnDemand`` entry as read by ijson, as the fast scan's decoder gives it.

    Terms and price dimensions that are not objects are left out, one by one.
    """
    if not isinstance(value, dict):
        raise _fail("a terms.OnDemand entry is not an object")
    terms: dict[str, _Term] = {}
    for code, term in value.items():
        if isinstance(term, dict):
            dimensions = term.get("priceDimensions")
            kept = {
                rate: msgspec.convert(dimension, _Dimension)
                for rate, dimension in (dimensions.items() if isinstance(dimensions, dict) else ())
                if isinstance(dimension, dict)
            }
            terms[code] = _Term(kept, term.get("termAttributes"))
    return terms


def product_of(record: _Record | None) -> Product | None:
    """The kept fields of one ``products`` entry, or None when the filter drops it."""
    if record is None or record.attributes is None:
        return None
    family, attrs = record.productFamily, record.attributes
    if type(family) is not str or family not in _FAMILIES:
        return None
    # Linux, no pre-installed software, shared tenancy, capacity in use (most records fail the first test)
    if (
        attrs.operatingSystem != "Linux"
        or attrs.preInstalledSw != "NA"
        or attrs.tenancy != "Shared"
        or attrs.capacitystatus != "Used"
        or attrs.licenseModel != "No License required"
        or attrs.locationType != "AWS Region"
    ):
        return None
    instance_type = attrs.instanceType
    if not isinstance(instance_type, str) or not instance_type:
        raise _fail(f"product {record.sku!r}: compute instance without instanceType")
    gpu_count = _number(attrs.gpu)
    gpu_model = None
    if gpu_count:
        name = GPU_FAMILIES.get(instance_type.split(".")[0])
        total = _gib(attrs.gpuMemory)
        if name:
            gpu_model = canonical_gpu(name)
        elif total:
            gpu_model = canonical_gpu("GPU", total / gpu_count)
    storage = attrs.storage
    disk = _STORAGE.match(storage) if isinstance(storage, str) else None
    processor = str(attrs.physicalProcessor)
    return Product(
        instance_type=instance_type,
        region=attrs.regionCode,
        vcpu=_number(attrs.vcpu),
        ram_gb=_gib(attrs.memory),
        disk_gb=Decimal(disk[1]) * Decimal(disk[2].replace(",", "")) if disk else None,
        gpu_model=gpu_model,
        gpu_count=gpu_count or None,
        arch="arm64" if "Graviton" in processor or "AWS" in processor.split(" ")[:1] else "x86_64",
        bare_metal=_FAMILIES[family],
    )


def hourly_usd(terms: Mapping[str, _Term]) -> Decimal | None:
    """The USD price per ``Hrs`` of one SKU's on-demand terms (reserved-like terms are ignored)."""
    for term in terms.values():
        lease = term.termAttributes
        if isinstance(lease, dict) and lease.get("LeaseContractLength"):
            continue
        for dimension in (term.priceDimensions or {}).values():
            if dimension.unit == "Hrs":
                price = dimension.pricePerUnit
                price = _number(price.get("USD") if isinstance(price, dict) else None)
                if price is None:
                    raise _fail(f"rate {dimension.rateCode!r}: pricePerUnit.USD is not a number")
                return price
    return None


class _Scan(NamedTuple):
    products: dict[str, Product]
    prices: dict[str, Decimal]
    seen_products: int
    seen_terms: int


def _scan(body: IO[bytes], start: int = 0) -> _Scan:
    """Two passes of the C parser: kept products first, then the on-demand terms of those SKUs.

    Two file-driven passes are faster than one pass feeding two push parsers (ijson's push
    interface is several times slower), and they do not depend on the order of the keys.
    """
    size = body.seek(0, io.SEEK_END)
    products, seen_products = _products(cast(IO[bytes], _Pieces((body, start, size))))
    prices, seen_terms = _prices(cast(IO[bytes], _Pieces((body, start, size))), products)
    return _Scan(products, prices, seen_products, seen_terms)


def _products(body: IO[bytes]) -> tuple[dict[str, Product], int]:
    products: dict[str, Product] = {}
    seen = 0
    for sku, record in _backend.kvitems(body, "products", buf_size=CHUNK):
        seen += 1
        product = product_of(record_of(record))
        if product is not None:
            products[str(sku)] = product
    return products, seen


def _prices(body: IO[bytes], products: Mapping[str, Product]) -> tuple[dict[str, Decimal], int]:
    prices: dict[str, Decimal] = {}
    seen = 0
    for sku, terms in _backend.kvitems(body, "terms.OnDemand", buf_size=CHUNK):
        seen += 1
        if sku in products:
            price = hourly_usd(terms_of(terms))
            if price is not None:
                prices[sku] = price
    return prices, seen


_NOT_BRACKETS = bytes(set(range(256)) - set(b"[]{}"))
_DEEP = re.compile(rb"[\[{]{%d}" % 64)


class _Pieces(io.RawIOBase):
    """A read-only stream over ``(source, start, end)`` pieces: bytes, or ranges of a seekable file.

    It also refuses absurd nesting (64 opening brackets in a row, strings included): ijson keeps a
    path string per level, so a document nested a million deep would need gigabytes.
    """

    def __init__(self, *pieces: tuple[Any, int, int]) -> None:
        self._pieces = list(pieces)
        self._index = 0
        self._brackets = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not len(buffer):  # ijson probes with read(0) for the kind of stream
            return 0
        while self._index < len(self._pieces):
            source, begin, end = self._pieces[self._index]
            if begin < end:
                size = min(len(buffer), end - begin)
                if isinstance(source, bytes):
                    chunk = source[begin : begin + size]
                else:
                    source.seek(begin)
                    chunk = source.read(size)
                    if not chunk:
                        raise OSError("the offer file shrank while it was read")
                brackets = self._brackets + chunk.translate(None, _NOT_BRACKETS)
                if _DEEP.search(brackets):
                    raise _fail("nesting deeper than 64 levels: not an offer file")
                self._brackets = brackets[-64:]
                buffer[: len(chunk)] = chunk
                self._pieces[self._index] = (source, begin + len(chunk), end)
                return len(chunk)
            self._index += 1
        return 0


_BLANK = b" \t\r\n"
_KEY = b'"terms"'
_WINDOW = 8 * CHUNK


def _terms_split(body: IO[bytes], start: int, size: int) -> tuple[int, int] | None:
    """Where the top-level ``"terms"`` key starts, and where ``products`` ends before its comma.

    Offer files end with ``"terms": {...}`` (and a small ``attributesList``): the last ``"terms"``
    followed by a colon is the key (inside strings, quotes are escaped). The file is searched
    backwards in windows. A wrong guess makes one of the two halves invalid JSON, which sends the
    caller back to the full two-pass scan.
    """
    end = size
    key = -1
    while end > start and key < 0:
        begin = max(start, end - _WINDOW)
        body.seek(begin)
        window = body.read(min(size, end + len(_KEY)) - begin)
        found = window.rfind(_KEY)
        key = begin + found if found >= 0 else -1
        end = begin
    if key <= start:
        return None
    body.seek(max(start, key - 256))
    before_bytes = body.read(key - max(start, key - 256)).rstrip(_BLANK)
    body.seek(key + len(_KEY))
    after_bytes = body.read(256).lstrip(_BLANK)
    if not before_bytes.endswith(b",") or not after_bytes.startswith(b":"):
        return None
    return key - (key - max(start, key - 256) - len(before_bytes)) - 1, key


def _scan_split(body: IO[bytes], start: int) -> _Scan | None:
    """One parse of each byte: products from the head, terms from the tail (None: use ``_scan``).

    Anything unexpected, including a truncated file, returns None so that ``_scan`` gives the
    authoritative answer or error.
    """
    size = body.seek(0, io.SEEK_END)
    try:
        split = _terms_split(body, start, size)
        if split is None:
            return None
        comma, key = split
        head = cast(IO[bytes], _Pieces((body, start, comma), (b"}", 0, 1)))
        products, seen_products = _products(head)
        if not seen_products:
            return None
        tail = cast(IO[bytes], _Pieces((b"{", 0, 1), (body, key, size)))
        prices, seen_terms = _prices(tail, products)
        return _Scan(products, prices, seen_products, seen_terms)
    except (ijson.JSONError, OSError):
        return None
    finally:
        body.seek(start)


_PRODUCTS_KEY = re.compile(rb'"products"\s*:\s*\{')
_ON_DEMAND_KEY = re.compile(rb'"terms"\s*:\s*\{\s*"OnDemand"\s*:\s*\{')


def _scan_fast(body: IO[bytes], start: int) -> _Scan | None:
    """The split scan with msgspec reading ``products`` and ``terms.OnDemand`` in pieces (None: not sure).

    For files in the usual layout (products, then terms starting with OnDemand); what follows
    OnDemand (reserved terms, attributesList) is still checked to the last byte by ijson, which
    skips it without building it. Anything unexpected returns None and the exact scans decide.
    """
    size = body.seek(0, io.SEEK_END)
    try:
        split = _terms_split(body, start, size)
        if split is None:
            return None
        comma, key = split
        body.seek(start)
        head = body.read(min(1 << 16, comma - start))
        found = _PRODUCTS_KEY.search(head)
        if found is None or not isinstance(orjson.loads(head[: found.start()] + b'"products":{}}'), dict):
            return None  # not a top-level "products" (or a long preamble): let the exact scans decide
        products: dict[str, Product] = {}
        members = Members(body, start + found.end(), comma, _PRODUCTS.decode)
        seen_products = seen_terms = 0
        for sku, record in members:
            seen_products += 1
            product = product_of(record)
            if product is not None:
                products[sku] = product
        body.seek(members.close + 1)
        if not seen_products or body.read(comma - members.close - 1).strip():
            return None
        body.seek(key)
        opening = _ON_DEMAND_KEY.match(body.read(256))
        if opening is None:
            return None
        prices: dict[str, Decimal] = {}
        terms = Members(body, key + opening.end(), size, _ON_DEMAND.decode)
        for sku, offer_terms in terms:
            seen_terms += 1
            if sku in products:
                price = hourly_usd(offer_terms)
                if price is not None:
                    prices[sku] = price
        rest = cast(IO[bytes], _Pieces((b'{"terms":{"OnDemand":{}', 0, 23), (body, terms.close + 1, size)))
        for _ in _backend.kvitems(rest, "terms.OnDemand", buf_size=CHUNK):  # checks the rest, builds nothing
            return None
        return _Scan(products, prices, seen_products, seen_terms)
    except (Unsure, orjson.JSONDecodeError, ijson.JSONError, OSError):
        return None
    finally:
        body.seek(start)


def _offers(stream: _Scan, competitor: str) -> Iterator[Offer]:
    """One offer per (instance type, region): duplicate records keep the lowest price."""
    best: dict[tuple[str, str | None], tuple[Decimal, str, Product]] = {}
    for sku, product in stream.products.items():
        price = stream.prices.get(sku)
        if price is None or price <= 0:
            continue
        key = (product.instance_type, product.region)
        if key not in best or (price, sku) < best[key][:2]:
            best[key] = (price, sku, product)
    for price, sku, product in best.values():
        category = "gpu" if product.gpu_count is not None else "bare_metal" if product.bare_metal else "vps"
        yield new_offer(
            competitor, product.instance_type, product.instance_type, category, "USD", price.normalize(),
            (price * HOURS_PER_MONTH).normalize(), product.vcpu, product.ram_gb, product.disk_gb,
            product.gpu_model, product.gpu_count, gpu_memory_gb(product.gpu_model), product.arch,
            product.region, "on_demand", "hour", None, None, {"aws_sku": sku},
        )  # fmt: skip


@parser(
    PARSER_ID, reads="AWS EC2 bulk offer file of one region (JSON, hundreds of MB, streamed)", streaming=True
)
def parse_offer(body: IO[bytes], ctx: ParseContext) -> list[Observation]:
    """Linux shared-tenancy on-demand instance offers of one regional offer file."""
    if not body.seekable():  # the two passes need to rewind; spool what cannot be
        spooled = tempfile.SpooledTemporaryFile(max_size=CHUNK * 8)  # noqa: SIM115 - closed below
        try:
            shutil.copyfileobj(body, spooled, CHUNK)
            spooled.seek(0)
            return parse_offer(spooled, ctx)
        finally:
            spooled.close()
    start = body.tell()
    head = body.read(512).lstrip()
    body.seek(start)
    if not head:
        raise _fail("empty body: expected an EC2 offer file")
    if head.startswith(b"<"):
        raise _fail("got HTML/XML where the JSON offer file was expected (an error page?)")
    try:
        stream = _scan_fast(body, start) or _scan_split(body, start) or _scan(body, start)
    except ijson.IncompleteJSONError as exc:
        raise _fail(f"truncated or malformed offer file: {_first_line(exc)}") from None
    except ijson.JSONError as exc:
        raise _fail(f"malformed offer file: {_first_line(exc)}") from None
    if not stream.seen_products:
        raise _fail("no 'products' object: not an EC2 offer file (has the format changed?)")
    if not stream.seen_terms:
        raise _fail("no 'terms.OnDemand' object: the offer file has no on-demand prices")
    offers: list[Observation] = list(_offers(stream, ctx.competitor or "aws"))
    if not offers:
        raise _fail(
            f"none of the {stream.seen_products} products is a Linux shared on-demand instance with an hourly USD price"
        )
    return offers


def region_urls(index: Mapping[str, Any]) -> dict[str, str]:
    """``regionCode -> offer file URL`` from ``region_index.json`` (``currentVersionUrl`` paths)."""
    regions = index.get("regions")
    if not isinstance(regions, dict):
        raise _fail("region_index.json without a 'regions' object")
    host = "https://pricing.us-east-1.amazonaws.com"
    return {
        code: host + entry["currentVersionUrl"]
        for code, entry in regions.items()
        if "currentVersionUrl" in entry
    }
