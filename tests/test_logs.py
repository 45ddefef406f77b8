"""Log lines: one JSON object per record when asked, with the source and run in force."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator

import pytest

from veille.logs import bind, configure


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger("veille")
    handlers, level, propagate = list(root.handlers), root.level, root.propagate
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    root.propagate = propagate


def test_json_lines_carry_the_bound_ids_across_threads(
    capsys: pytest.CaptureFixture[str], restore_logging: None
) -> None:
    configure("json", "INFO")
    log = logging.getLogger("veille.collect.runner")

    async def run() -> None:
        with bind(source_id="hetzner.server_types", run_id=7):
            await asyncio.to_thread(log.info, "stored %d offers", 12)
        log.warning('after "the" run')

    asyncio.run(run())
    lines = capsys.readouterr().err.strip().splitlines()
    first, second = (json.loads(line) for line in lines)
    assert first["message"] == "stored 12 offers" and first["level"] == "info"
    assert first["source_id"] == "hetzner.server_types" and first["run_id"] == 7
    assert second["message"] == 'after "the" run' and "source_id" not in second
    assert first["logger"] == "veille.collect.runner" and first["time"].endswith("+00:00")


def test_configure_twice_keeps_one_handler(capsys: pytest.CaptureFixture[str], restore_logging: None) -> None:
    configure("json", "WARNING")
    configure("text", "INFO")
    with bind(source_id="ecb.daily"):
        logging.getLogger("veille.x").info("hello")
    err = capsys.readouterr().err
    assert err.count("hello") == 1 and "[source_id=ecb.daily]" in err and not err.startswith("{")


def test_a_bad_setting_is_one_clear_line(cli) -> None:  # type: ignore[no-untyped-def]
    code, _, err = cli("events", env={"VEILLE_LOG_FORMAT": "xml"})
    assert code == 1 and "setting VEILLE_LOG_FORMAT" in err and "Traceback" not in err
    code, _, err = cli("events", env={"VEILLE_HTTP_TIMEOUT": "soon"})
    assert code == 1 and err.strip() == (
        "error: setting VEILLE_HTTP_TIMEOUT: Input should be a valid number, unable to parse string as a "
        "number (got 'soon')"
    )
