"""Offers, exchange rates and availability: history rows and price events.

Offers are a slowly changing dimension in ``offer_versions``, keyed per source on
(competitor, sku, region, billing). A new version is written only when the content changes (name,
category, specs, unit, currency, prices in the source currency: availability and ``extra`` excluded);
an offer missing from a snapshot is closed (``valid_to``). A currency move alone changes nothing,
because prices are compared in the source currency.

The diff is built for big catalogues. The current versions are loaded once per run as
``content digest -> id``: the digest covers the key, so an offer whose digest is there is unchanged,
and only the keys of the others are looked up (in batches, or all at once past LOOK_UP_AT_MOST) to
tell changes from new offers. Sources of over COMPACT_ABOVE offers are indexed by key in flat arrays
instead (``veille.detect.current``). Only new versions are normalised (EUR at the ECB rate of the
day), and they are inserted in batches. The plausibility gate (``veille.detect.gate``) decides at the
end whether the snapshot is believed or held.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN
from typing import Any

from sqlalchemy import bindparam, select, update

from veille.detect import gate
from veille.detect.current import SEEN, CurrentIndex, KeySet
from veille.detect.version_rows import (  # noqa: F401 - _COLUMNS: where it used to be
    _COLUMNS,
    insert_versions,
    version_dict,
)
from veille.events import EventDraft
from veille.ingest import IngestContext, ingestor, sink
from veille.normalise.money import EUR_PLACES, HOURS_PER_MONTH
from veille.observations import Availability, FxRate, Observation, Offer, price_problem
from veille.store.fx import FxResolver
from veille.store.models import FxRateRow, OfferVersion, Setting

MANUAL_SOURCE = "manual"
BATCH = 5000
_MASK = (1 << 64) - 1
COMPACT_ABOVE = 1_000_000  # current versions past which the diff's index is a CurrentIndex
PENDING = 1000  # offers whose content was not found, sorted out together (their keys looked up at once)
LOOK_UP_AT_MOST = 20_000  # keys looked up one query at a time before all current versions are read
MET_IN_A_SET = COMPACT_ABOVE  # new or changed keys of a run kept in a set; beyond, in flat arrays (KeySet)
_BLAKE2B_8 = hashlib.blake2b(digest_size=8)  # never updated: the diff loops hash copies of it


def content_text(o: Any) -> str:
    """The text ``content_digest`` hashes: key and content fields as ``str()`` writes them, 0x1f between.

    The diff loops build it inline, and a test pins digests stored by earlier versions.
    """
    return (f"{o.competitor!s}\x1f{o.sku!s}\x1f{o.region or ''!s}\x1f{o.billing!s}\x1f{o.name!s}\x1f"
            f"{o.category!s}\x1f{o.vcpu!s}\x1f{o.ram_gb!s}\x1f{o.disk_gb!s}\x1f{o.gpu_model!s}\x1f"
            f"{o.gpu_count!s}\x1f{o.gpu_memory_gb!s}\x1f{o.arch!s}\x1f{o.unit!s}\x1f{o.currency!s}\x1f"
            f"{o.price_hourly!s}\x1f{o.price_monthly!s}")  # fmt: skip


def content_digest(offer: Any) -> int:
    """A stable 64-bit digest of an offer's key and content (the ``content_hash`` column, in hex).

    Decimals enter as written (``1.50`` and ``1.5`` differ): a provider that reformats its numbers costs
    one extra version, never an event (events compare values).
    """
    return int.from_bytes(hashlib.blake2b(content_text(offer).encode(), digest_size=8).digest(), "big")


def _load_current(session: Any, source_id: str) -> dict[int, int] | CurrentIndex:
    """The source's current, believed versions, indexed for the diff.

    Up to COMPACT_ABOVE versions: a dict ``content digest -> version id``, read from two columns (the
    digest covers the key, so an offer found there is unchanged; the four key columns cost more to
    read than the rest of a diff that finds a catalogue again). Beyond: a ``CurrentIndex`` keyed by
    key hash (flat arrays, about 50 bytes an offer), so that the index stays bounded whatever the
    catalogue. Read through the driver's cursor in chunks: SQLAlchemy's row handling cost more than
    the rest of the diff.
    """
    expected = _count_current(session, source_id)
    if not expected:
        return {}
    if expected <= COMPACT_ABOVE:
        by_digest: dict[int, int] = {}
        for rows in _current_rows(session, source_id, "id, content_hash"):
            by_digest.update({int(digest, 16): vid for vid, digest in rows})
        return by_digest
    index = CurrentIndex(expected)
    for rows in _current_rows(session, source_id, "id, competitor, sku, region, billing, content_hash"):
        index.load(
            [(hash((competitor, sku, region, billing)), vid, digest)
             for vid, competitor, sku, region, billing, digest in rows]
        )  # fmt: skip
    return index


def _driver(session: Any) -> tuple[Any, str, int | bool]:
    """The session's driver connection, its placeholder, and how it writes false (``held``)."""
    connection = session.connection()
    sqlite = connection.dialect.name == "sqlite"
    return connection.connection.driver_connection, "?" if sqlite else "%s", 0 if sqlite else False


def _count_current(session: Any, source_id: str) -> int:
    """An upper bound of the current versions (held ones included), read from an index alone."""
    driver, mark, _ = _driver(session)
    cursor = driver.cursor()
    try:
        cursor.execute(
            f"SELECT COUNT(*) FROM offer_versions WHERE source_id = {mark} AND valid_to IS NULL", (source_id,)
        )
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


def _current_rows(session: Any, source_id: str, columns: str) -> Iterator[list[tuple[Any, ...]]]:
    """``columns`` of the source's current, believed versions, in chunks of 2,000 rows."""
    driver, mark, false = _driver(session)
    # PostgreSQL: a server-side cursor, so the rows stream instead of landing in the client at once
    cursor = driver.cursor() if mark == "?" else driver.cursor(name="veille_current_offers")
    try:
        cursor.execute(
            f"SELECT {columns} FROM offer_versions WHERE source_id = {mark} AND valid_to IS NULL"
            f" AND held = {mark}",
            (source_id, false),
        )
        while rows := cursor.fetchmany(2_000):  # small batches stay in the CPU cache: 15% faster than 20,000
            yield rows
    finally:
        cursor.close()


def _keyed_versions(
    session: Any, source_id: str, keys: Collection[tuple[str, str, str, str]] | None
) -> dict[int, int]:
    """``key hash -> (id << 64) | digest`` of the current, believed versions of ``keys`` (None: all)."""
    found: dict[int, int] = {}
    chunks = (
        _current_rows(session, source_id, "id, competitor, sku, region, billing, content_hash")
        if keys is None
        else _rows_of_keys(session, source_id, list(keys))
    )
    for rows in chunks:
        found.update(
            {hash((competitor, sku, region, billing)): (vid << 64) | int(digest, 16)
             for vid, competitor, sku, region, billing, digest in rows}
        )  # fmt: skip
    return found


def _rows_of_keys(
    session: Any, source_id: str, keys: list[tuple[str, str, str, str]]
) -> Iterator[list[tuple[Any, ...]]]:
    """Id, key and digest of the current, believed versions of ``keys``, 250 keys a query (``ix_offer_key``)."""
    driver, mark, false = _driver(session)
    cursor = driver.cursor()
    try:
        for start in range(0, len(keys), 250):
            chunk = keys[start : start + 250]
            values = ", ".join([f"({mark}, {mark}, {mark}, {mark})"] * len(chunk))
            cursor.execute(  # a join, so that both databases probe ix_offer_key once per key
                f"WITH k (c, s, r, b) AS (VALUES {values}) SELECT v.id, v.competitor, v.sku, v.region,"
                " v.billing, v.content_hash FROM k JOIN offer_versions v ON v.competitor = k.c AND"
                " v.sku = k.s AND v.region = k.r AND v.billing = k.b"
                f" WHERE v.source_id = {mark} AND v.valid_to IS NULL AND v.held = {mark}",
                (*(part for key in chunk for part in key), source_id, false),
            )
            yield cursor.fetchall()
    finally:
        cursor.close()


@dataclass
class Change:
    """A changed offer: the current version's id and the new observation."""

    old_id: int
    offer: Offer
    version: dict[str, Any]


class OfferSnapshot:
    """The offers of one source run, fed page by page, diffed against the current versions.

    ``partial`` snapshots (manual entries) add and change offers but never close missing ones.
    """

    def __init__(self, ctx: IngestContext, *, partial: bool | None = None) -> None:
        self.ctx = ctx
        self.session = ctx.session
        self.source_id = ctx.source.id
        self.partial = ctx.source.id == MANUAL_SOURCE if partial is None else partial
        self.fx = FxResolver(self.session)
        self.day, self.now, self.run_id = ctx.now.date(), ctx.now, ctx.run_id
        self._quotes = self.fx.on(self.day)  # currency -> quote of the snapshot's day
        self.current = _load_current(self.session, self.source_id)
        self.previous_count = len(self.current)
        # with a digest index: the keys of the offers not found unchanged (new or changed: duplicates
        # are found here), those not yet sorted out, and the current versions by key once so many
        # keys were looked up that reading them all costs less
        self._met: set[int] | KeySet = set()
        self._pending: list[tuple[int, Offer, str, int, int | None, str | None]] = []
        self._by_key: dict[int, int] | None = None
        self._looked_up = 0
        self.baseline = self.previous_count == 0 and not self.partial
        self.count = 0
        self.duplicates = 0
        self.fingerprint = 0
        self.changed = 0
        self.close_ids: list[int] = []  # versions replaced by this snapshot
        self.review = gate.Review()  # what the gate has seen so far, and the events drafted
        self._changes: list[Change] = []  # changes of the batch not yet compared with their old rows
        self._buffer: list[tuple[Any, ...]] = []  # versions to insert, values in ``_COLUMNS`` order
        self.written = 0

    # --- feeding -------------------------------------------------------------------------------------

    def add_all(
        self, offers: Iterable[Offer], *, capture_id: int | None = None, url: str | None = None
    ) -> None:
        """Diff offers; a new version is queued only when an offer's content differs (the hot loop).

        ``content_digest`` is inlined (same text, same digest; one f-string is the cheapest way to
        build it), and so is the index probe: there is one loop per kind of index.
        """
        if isinstance(self.current, dict):
            self._add_to_dict(self.current, offers, capture_id, url)
        else:
            self._add_to_index(self.current, offers, capture_id, url)

    def _add_to_dict(
        self, current: dict[int, int], offers: Iterable[Offer], capture_id: int | None, url: str | None
    ) -> None:
        fresh, met, pending, baseline = _BLAKE2B_8.copy, self._met, self._pending, self.baseline
        count = fingerprint = 0
        for o in offers:
            raw = (
                f"{o.competitor!s}\x1f{o.sku!s}\x1f{o.region or ''!s}\x1f{o.billing!s}\x1f{o.name!s}\x1f"
                f"{o.category!s}\x1f{o.vcpu!s}\x1f{o.ram_gb!s}\x1f{o.disk_gb!s}\x1f{o.gpu_model!s}\x1f"
                f"{o.gpu_count!s}\x1f{o.gpu_memory_gb!s}\x1f{o.arch!s}\x1f{o.unit!s}\x1f{o.currency!s}\x1f"
                f"{o.price_hourly!s}\x1f{o.price_monthly!s}"
            )  # as content_text(o), inlined
            h = fresh()  # a copy of an empty hasher costs less than a new one with its digest_size
            h.update(raw.encode())
            hx = h.hexdigest()  # stored as is by a new version
            ch = int(hx, 16)  # as content_digest()
            vid = current.get(ch)
            if vid is not None:  # as stored (the digest covers the key): unchanged
                if vid < 0 or (met and hash((o.competitor, o.sku, o.region or "", o.billing)) in met):
                    self.duplicates += 1  # the same key twice in one snapshot: the first one counts
                else:
                    current[ch] = ~vid
                    count += 1
                    fingerprint += ch  # order-free and stable across processes: the sum of the digests
                continue
            kh = hash(
                (o.competitor, o.sku, o.region or "", o.billing)
            )  # the in-process key hash (never stored)
            met_before = len(met)
            met.add(kh)
            if len(met) == met_before:
                self.duplicates += 1
                continue
            # a big catalogue's first run: go on in flat arrays
            if met_before == MET_IN_A_SET and isinstance(met, set):
                met = self._met = KeySet(met)
            if baseline:  # nothing stored: new
                count += 1
                fingerprint += ch
                self._added(o, hx, capture_id, url)
                continue
            pending.append((kh, o, hx, ch, capture_id, url))
            if len(pending) >= PENDING:
                self._sort_out()
        self.count += count
        self.fingerprint = (self.fingerprint + fingerprint) & _MASK

    def _sort_out(self) -> None:
        """The pending offers (content not found) as changes of their key's current version, or new."""
        pending = self._pending[:]  # emptied in place: the diff loop holds the list
        self._pending.clear()
        if not pending:
            return
        current = self.current
        assert isinstance(current, dict)
        old_versions = self._current_by_key([o for _, o, *_ in pending]) if self.previous_count else {}
        for kh, o, hx, ch, capture_id, url in pending:
            old = old_versions.get(kh)
            if old is not None:
                seen = current.get(old & _MASK)
                if seen is not None and seen < 0:  # met unchanged earlier in the snapshot: that one counts
                    self.duplicates += 1
                    continue
                current[old & _MASK] = ~(old >> 64)
            self.count += 1
            self.fingerprint = (self.fingerprint + ch) & _MASK
            if old is None:
                self._added(o, hx, capture_id, url)
            else:
                self._changed(old >> 64, o, hx, capture_id, url)

    def _current_by_key(self, offers: list[Offer]) -> dict[int, int]:
        """``key hash -> (id << 64) | digest`` of the current versions of ``offers``' keys.

        Looked up by key while few are asked; once more than LOOK_UP_AT_MOST keys (or a twentieth of
        the catalogue) were, every current version is read at once and kept for the rest of the run.
        """
        if self._by_key is None:
            self._looked_up += len(offers)
            if self._looked_up <= max(LOOK_UP_AT_MOST, self.previous_count // 20):
                keys = {(o.competitor, o.sku, o.region or "", o.billing) for o in offers}
                return _keyed_versions(self.session, self.source_id, keys)
            self._by_key = _keyed_versions(self.session, self.source_id, None)
        return self._by_key

    def _add_to_index(
        self, index: CurrentIndex, offers: Iterable[Offer], capture_id: int | None, url: str | None
    ) -> None:
        keys, ids, digests, state, mask = index.keys, index.ids, index.digests, index.state, index.mask
        fresh = _BLAKE2B_8.copy
        count, fingerprint = self.count, self.fingerprint
        for o in offers:
            kh = hash(
                (o.competitor, o.sku, o.region or "", o.billing)
            )  # the in-process key hash (never stored)
            slot = kh & mask  # CurrentIndex.slot(), inlined
            mark = state[slot]
            while mark and keys[slot] != kh:
                slot = (slot + 1) & mask
                mark = state[slot]
            if mark >= SEEN:
                self.duplicates += 1  # the same key twice in one snapshot: the first one counts
                continue
            raw = (
                f"{o.competitor!s}\x1f{o.sku!s}\x1f{o.region or ''!s}\x1f{o.billing!s}\x1f{o.name!s}\x1f"
                f"{o.category!s}\x1f{o.vcpu!s}\x1f{o.ram_gb!s}\x1f{o.disk_gb!s}\x1f{o.gpu_model!s}\x1f"
                f"{o.gpu_count!s}\x1f{o.gpu_memory_gb!s}\x1f{o.arch!s}\x1f{o.unit!s}\x1f{o.currency!s}\x1f"
                f"{o.price_hourly!s}\x1f{o.price_monthly!s}"
            )  # as content_text(o), inlined
            h = fresh()  # a copy of an empty hasher costs less than a new one with its digest_size
            h.update(raw.encode())
            hx = h.hexdigest()  # stored as is by a new version
            ch = int(hx, 16)  # as content_digest()
            count += 1
            fingerprint += ch  # order-free and stable across processes: the sum of the digests
            if not mark:
                index.add_new(slot, kh)
                if index.state is not state:  # the table grew
                    keys, ids, digests, state, mask = (
                        index.keys,
                        index.ids,
                        index.digests,
                        index.state,
                        index.mask,
                    )
                self._added(o, hx, capture_id, url)
            elif digests[slot] == ch:
                state[slot] = SEEN
            else:
                state[slot] = SEEN
                self._changed(ids[slot], o, hx, capture_id, url)
        self.count, self.fingerprint = count, fingerprint & _MASK

    def _refused(self, offer: Offer) -> bool:
        """Whether ``offer``'s price is impossible (``price_problem``): then it is never stored and the
        gate holds the snapshot. Only new and changed offers come here (stored ones passed already)."""
        problem = price_problem(offer)
        if problem is None:
            return False
        self.review.impossible.append(f"{offer.sku} {offer.region or ''}: {problem}".replace(" :", ":"))
        return True

    def _added(self, offer: Offer, digest: str, capture_id: int | None, url: str | None) -> None:
        if self._refused(offer):
            return
        values = self._values(offer, digest, capture_id, url)
        if not self.baseline:
            gate.note_added(self, values)
        buffer = self._buffer  # _queue(), inlined: a first load comes through here for every offer
        buffer.append(values)
        if len(buffer) >= BATCH:
            self.flush()

    def _changed(
        self, old_id: int, offer: Offer, digest: str, capture_id: int | None, url: str | None
    ) -> None:
        if self._refused(offer):  # its current version stays current
            return
        values = self._values(offer, digest, capture_id, url)
        self.changed += 1
        self.close_ids.append(old_id)
        self._changes.append(Change(old_id, offer, version_dict(values)))
        self._queue(values)

    def _queue(self, values: tuple[Any, ...]) -> None:
        self._buffer.append(values)
        if len(self._buffer) >= BATCH:
            self.flush()

    def add(self, offer: Offer, *, capture_id: int | None = None, url: str | None = None) -> None:
        """Diff one offer."""
        self.add_all((offer,), capture_id=capture_id, url=url)

    def _values(self, offer: Offer, chash: str, capture_id: int | None, url: str | None) -> tuple[Any, ...]:
        """A new version of ``offer``: its column values in ``_COLUMNS`` order (a tuple: no dict per row).

        ``money.monthly`` and ``money.to_eur``, inlined; the day's rates are a dict by currency.
        """
        o = offer
        amount = o.price_monthly
        if amount is None and o.price_hourly is not None:
            amount = o.price_hourly * HOURS_PER_MONTH
        extra = dict(o.extra)
        if url:
            extra.setdefault("url", url)
        if o.available is not None:
            extra["available"] = o.available
        if o.free_tier:
            extra["free_tier"] = True
        eur = rate = fx_date = None
        if amount is not None:
            quote = self._quotes[o.currency]
            if quote is not None:
                rate, fx_date = quote.rate, quote.day
                if quote.source == "identity":  # EUR: dividing by 1 changes nothing
                    eur = amount.quantize(EUR_PLACES, rounding=ROUND_HALF_EVEN)
                else:
                    eur = (amount / rate).quantize(EUR_PLACES, rounding=ROUND_HALF_EVEN) if rate else None
                    extra["fx_source"] = quote.source
        return (  # in the order of _COLUMNS: _PLAIN, _DECIMALS, valid_from, valid_to, held, extra
            self.source_id, o.competitor, o.sku, o.region or "", o.billing, o.name, o.category, o.gpu_model,
            o.arch, o.unit, o.currency, fx_date, capture_id, self.run_id, extra.get("manual_url"), chash,
            o.vcpu, o.ram_gb, o.disk_gb, o.gpu_count, o.gpu_memory_gb, o.price_hourly, o.price_monthly, eur,
            rate, self.now, None, False, extra,
        )  # fmt: skip

    def flush(self) -> None:
        """Insert the queued versions and let the gate compare the batch's changes with their old rows."""
        if self._buffer:
            insert_versions(self.session, self._buffer)
            self.written += len(self._buffer)
            self._buffer = []
        if self._changes:
            gate.note_changes(self, self._changes)
            self._changes = []

    # --- closing -------------------------------------------------------------------------------------

    def removed_ids(self) -> list[int]:
        """Ids of the current versions the snapshot did not contain (empty for partial snapshots)."""
        if self.partial:
            return []
        if isinstance(self.current, dict):
            return [vid for vid in self.current.values() if vid >= 0]
        return self.current.unseen_ids()

    def finish(self) -> list[EventDraft]:
        """Write what is left, pass the plausibility gate, and return the events."""
        self._sort_out()
        self.flush()
        return gate.settle(self)

    def close(self, ids: Sequence[int]) -> None:
        """Close the versions ``ids`` at the snapshot's time."""
        for start in range(0, len(ids), 1000):
            chunk = list(ids[start : start + 1000])
            self.session.execute(_CLOSE, {"ids": chunk, "now": self.ctx.now})


_CLOSE = (
    update(OfferVersion)
    .where(OfferVersion.id.in_(bindparam("ids", expanding=True)))
    .values(valid_to=bindparam("now"))
    # built once; versions are written through the driver, never loaded as ORM objects in a
    # snapshot's session, so there is nothing in memory to synchronise
    .execution_options(synchronize_session=False)
)


# --- ingestors ---------------------------------------------------------------------------------------


@sink("offer", snapshot_of=("prices",))
class OfferSink:
    """Offers stream into the run's ``OfferSnapshot`` as their pages are parsed; ``finish`` stores the
    new versions and returns the price, offer and spec events (or holds the snapshot: the gate)."""

    def __init__(self, ctx: IngestContext) -> None:
        self.snapshot = OfferSnapshot(ctx)

    def add(self, batch: Sequence[Observation], *, capture_id: int | None, url: str | None) -> None:
        self.snapshot.add_all((o for o in batch if isinstance(o, Offer)), capture_id=capture_id, url=url)

    def hold(self, reason: str) -> None:
        if reason not in self.snapshot.review.holds:
            self.snapshot.review.holds.append(reason)

    def finish(self) -> list[EventDraft]:
        return self.snapshot.finish()


@ingestor("fx_rate")
def ingest_fx_rates(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Upsert ECB reference rates into ``fx_rates`` (no events)."""
    rates = {(o.date.isoformat(), o.currency.upper()): o for o in observations if isinstance(o, FxRate)}
    if not rates:
        return []
    days = sorted({day for day, _ in rates})
    existing = {
        (row.day, row.currency): row
        for row in ctx.session.scalars(select(FxRateRow).where(FxRateRow.day.in_(days)))
    }
    for (day, currency), obs in rates.items():
        if obs.base.upper() != "EUR":
            continue
        row = existing.get((day, currency))
        if row is None:
            ctx.session.add(FxRateRow(day=day, currency=currency, rate=obs.rate, source=ctx.source.id))
        elif row.rate != obs.rate:
            row.rate, row.source = obs.rate, ctx.source.id
    return []


@ingestor("availability")
def ingest_availability(ctx: IngestContext, observations: Sequence[Observation]) -> list[EventDraft]:
    """Keep the latest stock level per (competitor, sku, zone) of the source; no price events."""
    items = {
        f"{o.competitor}|{o.sku}|{o.region or ''}": o.status
        for o in observations
        if isinstance(o, Availability)
    }
    key = f"availability:{ctx.source.id}"
    row = ctx.session.get(Setting, key)
    value = {"updated_at": ctx.now.isoformat(), "items": items}
    if row is None:
        ctx.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    return []


def availability(session: Any, source_id: str) -> dict[str, Any]:
    """The latest availability stored for ``source_id``: {"updated_at", "items": {"comp|sku|zone": status}}."""
    row = session.get(Setting, f"availability:{source_id}")
    return dict(row.value) if row is not None else {"updated_at": None, "items": {}}
