"""Units of prices and specs: scaled integers, per-minute prices, monthly caps, memory sizes, CPU arch.

Conventions every price parser follows (see ``docs/sources.md``):

- money is ``Decimal``, built from the source's own digits (never through a binary float);
- ``price_hourly`` is per hour; a per-minute price is multiplied by 60;
- ``price_monthly`` is the provider's monthly figure when it publishes one (a cap: Hetzner,
  DigitalOcean, Vultr) and otherwise ``hourly x 730`` (``HOURS_PER_MONTH``);
- RAM is reported in "GB" the way providers market it, which is binary: a size given in bytes is
  divided by 2**30 and one given in MiB by 1024, so Scaleway's 4294967296 bytes and DigitalOcean's
  4096 MiB are both ``ram_gb = 4`` (the 4 GB of a "2 vCPU / 4 GB" plan). Sizes providers already
  give in GB (Hetzner, OVHcloud, eu-cloud-prices) are kept as they are.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from veille.observations import HOURS_PER_MONTH

__all__ = [
    "HOURS_PER_MONTH",
    "MINUTES_PER_HOUR",
    "bytes_to_gb",
    "cap_hours",
    "clean",
    "from_scaled",
    "from_units_nanos",
    "hourly_from_unit",
    "mib_to_gb",
    "monthly_from_hourly",
    "normalise_arch",
    "parse_fraction",
    "to_decimal",
]

MINUTES_PER_HOUR = Decimal(60)
_GIB = Decimal(2**30)
_MIB_PER_GIB = Decimal(1024)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def clean(value: Decimal) -> Decimal:
    """``value`` without trailing zeros and never in exponent notation (``11.44000000`` -> ``11.44``)."""
    normal = value.normalize()
    if normal.as_tuple().exponent > 0:  # type: ignore[operator]
        return normal.quantize(Decimal(1))
    return normal


def to_decimal(value: object) -> Decimal:
    """A JSON number or numeric string as an exact ``Decimal``.

    Floats go through ``repr`` (their shortest round-trip form), so 0.1 stays 0.1. Booleans, NaN,
    infinities and non-numeric strings raise ``ValueError``.
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a number: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip()
        if not _NUMBER.match(text):
            raise ValueError(f"not a number: {value!r}")
        try:
            result = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the regex already refused it
            raise ValueError(f"not a number: {value!r}") from None
    else:
        raise ValueError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def from_units_nanos(units: object, nanos: object) -> Decimal:
    """``units + nanos / 1e9`` (Scaleway product catalogue, GCP ``unitPrice``)."""
    return clean(to_decimal(units) + to_decimal(nanos).scaleb(-9))


def from_scaled(value: object, exponent: int) -> Decimal:
    """An integer in ``10**-exponent`` of the currency (OVHcloud: exponent 8, so 1144000000 -> 11.44)."""
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(f"expected an integer, got {value!r}")
    return clean(number.scaleb(-exponent))


def bytes_to_gb(value: object) -> Decimal:
    """A size in bytes as binary gigabytes (GiB, the "GB" of plan names)."""
    return clean(to_decimal(value) / _GIB)


def mib_to_gb(value: object) -> Decimal:
    """A size in MiB (DigitalOcean ``memory``, Vultr ``ram``) as binary gigabytes."""
    return clean(to_decimal(value) / _MIB_PER_GIB)


_UNIT_HOURS: dict[str, Decimal] = {
    "second": Decimal(1) / Decimal(3600),
    "minute": Decimal(1) / MINUTES_PER_HOUR,
    "hour": Decimal(1),
    "day": Decimal(24),
    "month": HOURS_PER_MONTH,
}


def hourly_from_unit(price: Decimal, unit: str, size: object = 1) -> Decimal:
    """Turn a price per ``size`` ``unit`` (``minute``, ``hour``, ``day``, ``month``) into a price per hour."""
    key = unit.strip().lower().rstrip("s")
    if key not in _UNIT_HOURS:
        raise ValueError(f"unknown time unit {unit!r}")
    quantity = to_decimal(size)
    if quantity <= 0:
        raise ValueError(f"unit size must be positive, got {size!r}")
    if key in ("second", "minute"):
        # exact: multiply instead of dividing by a repeating fraction
        per = Decimal(3600) if key == "second" else MINUTES_PER_HOUR
        return clean(price * per / quantity)
    return clean(price / (_UNIT_HOURS[key] * quantity))


def monthly_from_hourly(hourly: Decimal, cap_hours: Decimal | None = None) -> Decimal:
    """A monthly figure: ``hourly x cap_hours`` when the provider caps, else ``hourly x 730``."""
    return clean(hourly * (cap_hours if cap_hours is not None else HOURS_PER_MONTH))


def cap_hours(monthly: Decimal | None, hourly: Decimal | None) -> Decimal | None:
    """Hours after which the monthly price caps the bill (``monthly / hourly``, to 0.01 h)."""
    if monthly is None or hourly is None or hourly <= 0:
        return None
    return clean((monthly / hourly).quantize(Decimal("0.01")))


_ARCH = {
    "x86": "x86_64",
    "x86_64": "x86_64",
    "x64": "x86_64",
    "amd64": "x86_64",
    "intel": "x86_64",
    "amd": "x86_64",
    "arm": "arm64",
    "arm64": "arm64",
    "aarch64": "arm64",
}


def normalise_arch(raw: object) -> str | None:
    """``x86_64`` or ``arm64`` from a provider's spelling (``x64``, ``x86``, ``arm``, ``aarch64``...)."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    return _ARCH.get(raw.strip().lower().replace("-", "_"), raw.strip().lower())


def parse_fraction(raw: object) -> Decimal:
    """``"1/8"`` -> 0.125, ``"2"`` -> 2, ``0.5`` -> 0.5 (fractional GPUs)."""
    if isinstance(raw, str) and "/" in raw:
        num, _, den = raw.partition("/")
        denominator = to_decimal(den)
        if denominator == 0:
            raise ValueError(f"zero denominator in {raw!r}")
        return clean(to_decimal(num) / denominator)
    return clean(to_decimal(raw))
