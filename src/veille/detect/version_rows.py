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
from decimal import Decimal
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
_END_PLAIN, _END_DECIMALS = len(_PLAIN), len(_PLAIN) + len(_DECIMALS)  # where each group ends in a row
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
            return (*v[:-2], bool(v[-2]), Json(v[-1], dumps=_json))  # held, extra last

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
        valid_from, valid_to, held, extra = v[_END_DECIMALS:]
        return (
            *v[:_END_PLAIN],
            *map(_decimal_text, v[_END_PLAIN:_END_DECIMALS]),
            stamp(valid_from),
            None if valid_to is None else stamp(valid_to),
            1 if held else 0,
            orjson.dumps(extra, default=str).decode(),
        )

    return sqlite_row


def _decimal_text(value: Decimal | None) -> str | None:
    """``format(value, "f")``, taken from ``str(value)`` when that has no exponent (the same text, cheaper)."""
    if value is None:
        return None
    text = str(value)
    return text if "E" not in text else format(value, "f")


def insert_versions(session: Any, rows: Sequence[Any]) -> None:
    """Insert rows made by ``row_encoder`` for the session's dialect with one driver-level executemany."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        connection.execute(insert(OfferVersion), list(rows))
        return
    if dialect == "sqlite":
        sql, rows = _sqlite_batch(rows)
    else:
        sql = _POSTGRESQL_INSERT
    connection.exec_driver_sql(sql, rows if isinstance(rows, list) else list(rows))


def _sqlite_batch(rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The statement and parameters of a batch, the columns of one value throughout written as literals.

    Binding a parameter costs the sqlite3 module about 0.1 us: most columns of a batch (the source,
    the run, the time, the currency, every null) hold one value for all its rows, and are written
    once in the statement instead of bound on every row.
    """
    size = len(rows)
    if size < 100:  # a statement per small batch would cost more than it saves
        return _SQLITE_INSERT, list(rows)
    values: list[str] = []
    varying: list[tuple[Any, ...]] = []
    for column in zip(*rows, strict=True):
        first = column[0]  # rows hold None, int and str only: equal means same value, same type
        literal = _literal(first) if column.count(first) == size else None
        if literal is None:
            values.append("?")
            varying.append(column)
        else:
            values.append(literal)
    if not varying:  # rows all alike (never so for distinct offers): nothing gained
        return _SQLITE_INSERT, list(rows)
    return _INSERT + f"({', '.join(values)})", list(zip(*varying, strict=True))


_INSERT = f"INSERT INTO offer_versions ({', '.join(_COLUMNS)}) VALUES "
_SQLITE_INSERT = _INSERT + f"({', '.join(['?'] * len(_COLUMNS))})"
_POSTGRESQL_INSERT = _INSERT + f"({', '.join(['%s'] * len(_COLUMNS))})"


def _literal(value: Any) -> str | None:
    """``value`` as an SQL literal of the type it would be bound as, or None when it is better bound."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value and len(value) <= 200:
        return "'" + value.replace("'", "''") + "'"
    return None
