"""normalise.units and normalise.categories: exact conversions and one category rule for all sources."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from veille.normalise.categories import categorise, category_from_label
from veille.normalise.units import (
    bytes_to_gb,
    cap_hours,
    from_scaled,
    from_units_nanos,
    hourly_from_unit,
    mib_to_gb,
    monthly_from_hourly,
    normalise_arch,
    parse_fraction,
    to_decimal,
)


def test_scaled_encodings() -> None:
    assert from_scaled(1144000000, 8) == Decimal("11.44")
    assert from_units_nanos(0, 13125000) == Decimal("0.013125")
    assert from_units_nanos(2, 585000000) == Decimal("2.585")
    with pytest.raises(ValueError):
        from_scaled(Decimal("1.5"), 8)


@given(st.integers(min_value=0, max_value=10**15))
def test_scaled_is_exact(value: int) -> None:
    assert from_scaled(value, 8) * 10**8 == value


def test_time_units() -> None:
    assert hourly_from_unit(Decimal("0.013125"), "minute") == Decimal("0.7875")
    assert hourly_from_unit(Decimal("0.7875"), "hour") == Decimal("0.7875")
    assert hourly_from_unit(Decimal("730"), "month") == 1
    assert hourly_from_unit(Decimal("1.05"), "minutes", 10) == Decimal("6.3")
    with pytest.raises(ValueError, match="unknown time unit"):
        hourly_from_unit(Decimal(1), "week")
    assert monthly_from_hourly(Decimal("0.0052")) == Decimal("3.796")
    assert monthly_from_hourly(Decimal("0.00595"), Decimal(672)) == Decimal("3.9984")
    assert cap_hours(Decimal("3.29"), Decimal("0.0052")) == Decimal("632.69")
    assert cap_hours(Decimal(4), None) is None and cap_hours(Decimal(4), Decimal(0)) is None


def test_sizes_are_binary_gb() -> None:
    assert bytes_to_gb(4294967296) == 4 and bytes_to_gb(25769803776) == 24
    assert mib_to_gb(512) == Decimal("0.5") and mib_to_gb(245760) == 240


def test_numbers_never_go_through_binary_floats() -> None:
    assert to_decimal(0.1) == Decimal("0.1") and to_decimal("0.0052000000") == Decimal("0.0052000000")
    for bad in (True, None, "n/a", float("nan"), "Infinity", [1]):
        with pytest.raises(ValueError):
            to_decimal(bad)


def test_arch_and_fractions() -> None:
    assert [
        normalise_arch(a) for a in ("x64", "x86", "x86_64", "amd64", "arm", "arm64", "aarch64", None)
    ] == [
        "x86_64",
        "x86_64",
        "x86_64",
        "x86_64",
        "arm64",
        "arm64",
        "arm64",
        None,
    ]
    assert (
        parse_fraction("1/8") == Decimal("0.125")
        and parse_fraction(2) == 2
        and parse_fraction("0.5") == Decimal("0.5")
    )
    with pytest.raises(ValueError):
        parse_fraction("1/0")


def test_categories() -> None:
    assert categorise() == "vps"
    assert categorise(gpu_count=Decimal("0.125"), bare_metal=True) == "gpu"
    assert categorise(bare_metal=True) == "bare_metal" and categorise(dedicated=True) == "dedicated"
    assert categorise(storage="block") == "block_storage" and categorise(storage="object") == "object_storage"
    assert categorise(gpu_count=0) == "vps" and categorise(other=True) == "other"
    with pytest.raises(ValueError):
        categorise(storage="tape")
    assert category_from_label("general-purpose") == "vps" and category_from_label("iops-optimized") == "vps"
    assert (
        category_from_label("Bare Metal") == "bare_metal"
        and category_from_label("Serveur dédié") == "dedicated"
    )
    assert (
        category_from_label("Object Storage") == "object_storage"
        and category_from_label("whatever") == "other"
    )
    assert category_from_label("general", gpu_count=1) == "gpu"
