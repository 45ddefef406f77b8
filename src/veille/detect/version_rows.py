"""Bulk inserts of offer versions: one driver-level executemany per batch.

SQLAlchemy's per-row work (ORM or Core parameter processing) cost more than the rest of the diff on
catalogues of a million offers, so a version is built as a plain tuple of its values in ``_COLUMNS``
order, turned at once into the driver's parameters by ``row_encoder`` (in the storage formats of the
column types: ``ExactDecimal``, ``UTCDateTime``, JSON, Boolean on SQLite), and inserted here. Tuples of
strings and numbers are not followed by the garbage collector, unlike dicts of a million rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert

from veille.store.models import OfferVersion

__all__ = ["_COLUMNS", "insert_versions", "row_encoder", "version_dict"]

_PLAIN = ("source_id", "competitor", "sku", "region", "billing", "name", "category", "gpu_model", "arch", "unit",
          "currency", "fx_date", "capture_id", "run_id", "manual_url", "content_hash")  # fmt: skip
_DECIMALS = ("vcpu", "ram_gb", "disk_gb", "gpu_count", "gpu_memory_gb", "price_hourly", "price_monthly",
             "monthly_eur", "fx_rate")  # fmt: skip
_COLUMNS = (*_PLAIN, *_DECIMALS, "valid_from", "valid_to", "held", "extra")
Encoder = Callable[[tuple[Any, ...]], Any]


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def version_dict(values: Sequence[Any]) -> dict[str, Any]:
    """A version's values (in ``_COLUMNS`` order) as a dict by column name."""
    return dict(zip(_COLUMNS, values, strict=True))


def row_encoder(dialect: str) -> Encoder:
    """The function turning a version's values (``_COLUMNS`` order) into ``insert_versions``' rows."""
    if dialect == "sqlite":
        return _sqlite_row()
    if dialect == "postgresql":
        from psycopg.types.json import Json

        def postgresql_row(v: tuple[Any, ...]) -> tuple[Any, ...]:
            return (*v[:27], bool(v[27]), Json(v[28], dumps=_json))

        return postgresql_row
    return version_dict


def _sqlite_row() -> Encoder:
    """SQLite's storage formats: decimals as plain text, UTC times as text, booleans as 0/1, JSON text."""
    stamps: dict[datetime, str] = {}

    def stamp(value: datetime) -> str:
        text = stamps.get(value)
        if text is None:
            text = stamps[value] = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return text

    def sqlite_row(v: tuple[Any, ...]) -> tuple[Any, ...]:
        (vcpu, ram, disk, gpu_count, gpu_memory, hourly, monthly, eur, rate, valid_from, valid_to, held,
         extra) = v[16:]  # fmt: skip
        return v[:16] + (  # noqa: RUF005 - cheaper than unpacking, once per row
            None if vcpu is None else format(vcpu, "f"),
            None if ram is None else format(ram, "f"),
            None if disk is None else format(disk, "f"),
            None if gpu_count is None else format(gpu_count, "f"),
            None if gpu_memory is None else format(gpu_memory, "f"),
            None if hourly is None else format(hourly, "f"),
            None if monthly is None else format(monthly, "f"),
            None if eur is None else format(eur, "f"),
            None if rate is None else format(rate, "f"),
            stamp(valid_from),
            None if valid_to is None else stamp(valid_to),
            1 if held else 0,
            orjson.dumps(extra, default=str).decode(),
        )

    return sqlite_row


def insert_versions(session: Any, rows: Sequence[Any]) -> None:
    """Insert rows made by ``row_encoder`` for the session's dialect with one driver-level executemany."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        connection.execute(insert(OfferVersion), list(rows))
        return
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO offer_versions ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"
    connection.exec_driver_sql(sql, rows if isinstance(rows, list) else list(rows))
