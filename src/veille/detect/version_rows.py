"""Bulk inserts of offer versions: one driver-level executemany per batch.

SQLAlchemy's per-row work (ORM or Core parameter processing) cost more than the rest of the diff on
catalogues of a million offers, so a version is built as a plain tuple of its values in ``_COLUMNS``
order and inserted here, turned batch by batch into the driver's parameters (on SQLite the storage
formats of the column types: ``ExactDecimal``, ``UTCDateTime``, JSON, Boolean; column by column, so a
column of one value is encoded once). Tuples of strings and numbers are not followed by the garbage
collector, unlike dicts of a million rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import insert

from veille.store.models import OfferVersion

__all__ = ["_COLUMNS", "insert_versions", "version_dict"]

_PLAIN = ("source_id", "competitor", "sku", "region", "billing", "name", "category", "gpu_model", "arch", "unit",
          "currency", "fx_date", "capture_id", "run_id", "manual_url", "content_hash")  # fmt: skip
_DECIMALS = ("vcpu", "ram_gb", "disk_gb", "gpu_count", "gpu_memory_gb", "price_hourly", "price_monthly",
             "monthly_eur", "fx_rate")  # fmt: skip
_COLUMNS = (*_PLAIN, *_DECIMALS, "valid_from", "valid_to", "held", "extra")
_END_PLAIN, _END_DECIMALS = len(_PLAIN), len(_PLAIN) + len(_DECIMALS)  # where each group ends in a row
_VALID_FROM, _VALID_TO = _COLUMNS.index("valid_from"), _COLUMNS.index("valid_to")


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def version_dict(values: Sequence[Any]) -> dict[str, Any]:
    """A version's values (in ``_COLUMNS`` order) as a dict by column name."""
    return dict(zip(_COLUMNS, values, strict=True))


def insert_versions(session: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert versions (value tuples in ``_COLUMNS`` order): one executemany on SQLite, one COPY on
    PostgreSQL, the ORM's insert elsewhere."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    if dialect == "sqlite":
        connection.exec_driver_sql(*_sqlite_batch(rows))
    elif dialect == "postgresql":
        _postgresql_copy(connection.connection.driver_connection, rows)
    else:
        connection.execute(insert(OfferVersion), [version_dict(v) for v in rows])


def _postgresql_copy(driver: Any, rows: Sequence[tuple[Any, ...]]) -> None:
    """COPY the rows in text format: a quarter of the client's CPU of an executemany of INSERTs.

    psycopg writes each value with its text dumper (decimals as numerals, booleans, NULLs); ``extra``
    goes as JSON text. The times go as ISO text, each distinct one written once: a batch holds one or
    two (the snapshot's), and psycopg's dumper of an aware datetime cost a third of the row.
    """
    stamps: dict[datetime | None, str | None] = {None: None}
    for values in rows:
        for when in values[_VALID_FROM : _VALID_TO + 1]:
            if when not in stamps:
                stamps[when] = when.isoformat()
    with driver.cursor() as cursor, cursor.copy(_POSTGRESQL_COPY) as copy:
        write = copy.write_row
        for v in rows:  # valid_from, valid_to, held, extra last
            write((*v[:_VALID_FROM], stamps[v[_VALID_FROM]], stamps[v[_VALID_TO]], v[-2], _json(v[-1])))


def _sqlite_batch(rows: Sequence[tuple[Any, ...]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The statement and parameters of a batch in SQLite's storage formats, encoded column by column.

    Decimals become plain text, UTC times text, booleans 0/1, ``extra`` JSON text. A column holding one
    value throughout (the source, the run, the time, the currency, every null...) is encoded once and
    written in the statement as a literal instead of bound on every row: the sqlite3 module spends
    about 0.1 us a bound value.
    """
    size = len(rows)
    columns = [
        _encode_column(position, column, size) for position, column in enumerate(zip(*rows, strict=True))
    ]
    values: list[str] = []
    varying: list[Sequence[Any]] = []
    for encoded in columns:
        first = encoded[0]  # encoded columns hold None, int and str only: equal means the same value
        literal = _literal(first) if size >= 100 and encoded.count(first) == size else None
        if literal is None:
            values.append("?")
            varying.append(encoded)
        else:
            values.append(literal)
    if not varying:  # rows all alike (never so for distinct offers): bind them all
        return _SQLITE_INSERT, list(zip(*columns, strict=True))
    return _INSERT + f"({', '.join(values)})", list(zip(*varying, strict=True))


def _encode_column(position: int, column: tuple[Any, ...], size: int) -> Sequence[Any]:
    """One column of a batch in SQLite's storage format (see ``_sqlite_batch``)."""
    if position < _END_PLAIN:
        return column
    if position < _END_DECIMALS:  # (a tuple's count(None) would compare every Decimal with None: slow)
        texts: list[str | None] = [*map(str, column)]
        if "None" in texts:  # no Decimal's text is "None"
            texts = [None if text == "None" else text for text in texts]
        if "E" in "".join(filter(None, texts)):  # str() chose an exponent somewhere: plain text throughout
            return [None if value is None else format(value, "f") for value in column]
        return texts
    if column.count(None) == size:
        return column
    name = _COLUMNS[position]
    if name in ("valid_from", "valid_to"):
        stamps = {value: _stamp(value) for value in set(column) if value is not None}
        return [stamps.get(value) for value in column]  # None stays None
    if name == "held":
        return [1 if value else 0 for value in column]
    return [*map(_json, column)]  # extra


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


_INSERT = f"INSERT INTO offer_versions ({', '.join(_COLUMNS)}) VALUES "
_SQLITE_INSERT = _INSERT + f"({', '.join(['?'] * len(_COLUMNS))})"
_POSTGRESQL_COPY = f"COPY offer_versions ({', '.join(_COLUMNS)}) FROM STDIN"


def _literal(value: Any) -> str | None:
    """``value`` as an SQL literal of the type it would be bound as, or None when it is better bound."""
    if value is None:
        return "NULL"
    if type(value) is int:
        return str(value)
    if type(value) is str and "\x00" not in value and len(value) <= 200:
        return "'" + value.replace("'", "''") + "'"
    return None
