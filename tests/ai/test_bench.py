"""``python -m bench ai`` runs against its loopback fake and prints its figures (as CI runs it)."""

from __future__ import annotations

import pytest
from bench import bench_ai


def test_bench_against_the_fake(capsys: pytest.CaptureFixture[str]) -> None:
    bench_ai.main([])
    out = capsys.readouterr().out
    total = next(line for line in out.splitlines() if "all pages" in line)
    assert "offers P 1.00 R 1.00 | prices P 1.00 R 1.00 | 21/21 kept, 28 rejected, 1 failed" in total
    assert (
        "rejected   7 x price not in the quote" in out and "rejected   7 x quote not found on the page" in out
    )
    assert "failed     1 x the model's answer is not the JSON asked for" in out
