"""The gate's field comparison: its fast path for equal values agrees with the canonical comparison."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from veille.detect.gate import _differs
from veille.detect.offer_fields import canon

CASES = [
    (Decimal("0"), Decimal("-0"), True),  # equal numbers, different canonical text
    (Decimal("10"), 10, True),  # "1E+1" against "10": a spec change, as before
    (Decimal("1.0"), Decimal("1.00"), False),
    (Decimal("100"), Decimal("1E+2"), False),
    (Decimal("0.1234"), Decimal("0.1234"), False),
    (Decimal("NaN"), Decimal("NaN"), False),
    (Decimal("1.5"), "1.5", False),
    (None, "", False),
    ("x86_64", "x86_64", False),
    ("x86_64", "arm64", True),
]


@pytest.mark.parametrize(("old", "new", "differs"), CASES)
def test_differs_is_the_canonical_comparison(old: Any, new: Any, differs: bool) -> None:
    assert (canon(old) != canon(new)) is differs
    assert _differs(SimpleNamespace(vcpu=old), {"vcpu": new}, ("vcpu",)) is differs  # type: ignore[arg-type]
