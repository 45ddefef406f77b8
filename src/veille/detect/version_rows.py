"""Bulk inserts of offer versions: one driver-level executemany per batch.

SQLAlchemy's per-row work (ORM or Core parameter processing) cost more than the rest of the diff on
catalogues of a million offers, so rows are turned into the driver's parameters here, in the
storage formats of the column types (``ExactDecimal``, ``UTCDateTime``, JSON, Boolean on SQLite).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import insert

from veille.store.models import OfferVersion

__all__ = ["_COLUMNS", "insert_versions"]

_PLAIN = ("source_id", "competitor", "sku", "region", "billing", "name", "category", "gpu_model", "arch", "unit",
          "currency", "fx_date", "capture_id", "run_id", "manual_url", "content_hash")  # fmt: skip
_DECIMALS = ("vcpu", "ram_gb", "disk_gb", "gpu_count", "gpu_memory_gb", "price_hourly", "price_monthly",
             "monthly_eur", "fx_rate")  # fmt: skip
_COLUMNS = (*_PLAIN, *_DECIMALS, "valid_from", "valid_to", "held", "extra")


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def insert_versions(session: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Insert version rows with one driver-level executemany (SQLAlchemy's per-row work dominated)."""
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        connection.execute(insert(OfferVersion), list(rows))
        return
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO offer_versions ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
    times: dict[datetime | None, Any] = {None: None}
    params = []
    if dialect == "sqlite":  # the storage formats of ExactDecimal, UTCDateTime, JSON and Boolean on SQLite

        def text(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        for row in rows:
            for key in (row["valid_from"], row["valid_to"]):
                if key not in times:
                    times[key] = key.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            get = row.__getitem__
            params.append(
                (  # in the order of _COLUMNS
                    get("source_id"), get("competitor"), get("sku"), get("region"), get("billing"), get("name"),
                    get("category"), get("gpu_model"), get("arch"), get("unit"), get("currency"), get("fx_date"),
                    get("capture_id"), get("run_id"), get("manual_url"), get("content_hash"),
                    text(get("vcpu")), text(get("ram_gb")), text(get("disk_gb")), text(get("gpu_count")),
                    text(get("gpu_memory_gb")), text(get("price_hourly")), text(get("price_monthly")),
                    text(get("monthly_eur")), text(get("fx_rate")),
                    times[get("valid_from")], times[get("valid_to")], 1 if get("held") else 0,
                    _json(get("extra")),
                )
            )  # fmt: skip
    else:
        from psycopg.types.json import Json

        for row in rows:
            params.append(
                (
                    *[row[n] for n in _PLAIN],
                    *[row[n] for n in _DECIMALS],
                    row["valid_from"],
                    row["valid_to"],
                    bool(row["held"]),
                    Json(row["extra"], dumps=_json),
                )
            )
    connection.exec_driver_sql(sql, params)
