"""The members of a huge JSON object, decoded some 64 KB at a time (by a typed msgspec decoder, say).

An AWS offer file is one object of hundreds of MB whose ``products`` and ``terms.OnDemand`` hold
hundreds of thousands of small records. ijson's C backend reads it in constant memory at about
60 MB/s; orjson is about twice as fast but needs complete documents. ``Members`` cuts the object's
content into pieces that end at a record boundary and hands each piece, wrapped in braces, to its
decoder.

A cut is a ``}`` followed by ``,`` and a quote where the braces before it balance. Braces inside
strings can fool the count, but never into a wrong answer: a piece cut in the wrong place is not
valid JSON (the brace that starts it must close where it ends), the decoder refuses it, and ``Unsure`` is
raised so that the caller falls back on its exact streaming parser. Only documents in the usual
shape are read this way; anything else (a record larger than the window, a quirk) is ``Unsure`` too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO, Any

WINDOW = 64 << 10  # small pieces are parsed faster than big ones (caches)
MAX_WINDOW = 64 << 20  # a single record larger than this is left to the exact parser
_NEXT_MEMBER = re.compile(rb"\s*,\s*\"")
_BLANKS = re.compile(rb"\s*")
_BRACES = re.compile(rb"[{}]")


class Unsure(Exception):
    """The fast reader cannot vouch for this input: use the exact streaming parser instead."""


class Members:
    """Iterate over ``(key, value)`` of the object whose ``{`` ends just before ``begin``.

    ``end`` is where the file (or the region read) ends. After the iteration, ``close`` is the
    offset of the object's closing ``}``. ``decode`` turns a piece (an object) into a dict; it raises
    a ``ValueError`` on invalid JSON, as orjson and msgspec decoders do (a typed msgspec decoder
    also raises one for a piece of another shape: ``Unsure`` then).
    """

    def __init__(
        self, body: IO[bytes], begin: int, end: int, decode: Callable[[bytes], dict[str, Any]]
    ) -> None:
        self.body, self.begin, self.end, self.decode = body, begin, end, decode
        self.close = -1

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        body, pos, end, decode = self.body, self.begin, self.end, self.decode
        body.seek(pos)
        first = body.read(64)
        blank = _BLANKS.match(first)
        if blank is not None and first[blank.end() : blank.end() + 1] == b"}":  # an empty object
            self.close = pos + blank.end()
            return
        size = WINDOW
        while True:
            body.seek(pos)
            window = body.read(min(size, end - pos))
            if not window:
                raise Unsure("the object does not end")
            last = pos + len(window) >= end
            cut = _last_cut(window)
            close = -1
            if cut < 0 or last:
                close = _closing(window)  # the object may end in this window (it must in the last one)
                if close < 0:
                    if last or size >= MAX_WINDOW:
                        raise Unsure("no record boundary in the window")
                    size *= 2  # a record larger than the window: read more
                    continue
                cut = close
            try:
                piece = decode(b"{" + window[:cut] + b"}")
            except ValueError:
                if close >= 0:
                    raise Unsure("a piece is not valid JSON") from None
                close = _closing(window)  # the object ends before the last balanced cut
                if close < 0:
                    raise Unsure("a piece is not valid JSON") from None
                try:
                    piece = decode(b"{" + window[:close] + b"}")
                except ValueError:
                    raise Unsure("a piece is not valid JSON") from None
                cut = close
            yield from piece.items()
            size = WINDOW
            if close >= 0:
                self.close = pos + close
                return
            following = _NEXT_MEMBER.match(window, cut)
            if following is None:  # pragma: no cover - _last_cut only returns cuts followed by one
                raise Unsure("no member after the cut")
            pos += following.end() - 1  # at the quote of the next key


def _last_cut(window: bytes) -> int:
    """The offset just after the last ``}`` that ends a member (balanced, then ``,`` and a quote), or -1."""
    opened = window.count(b"{")
    closed = window.count(b"}")
    right = len(window)
    while True:
        j = window.rfind(b"}", 0, right)
        if j < 0:
            return -1
        opened -= window.count(b"{", j + 1, right)
        closed -= window.count(b"}", j + 1, right)
        if opened == closed and _NEXT_MEMBER.match(window, j + 1):
            return j + 1
        right = j  # counts now cover window[:j + 1]: drop the brace at j as well
        closed -= 1


def _closing(window: bytes) -> int:
    """The offset of the ``}`` closing the object (depth -1 from the window's start), or -1."""
    depth = 0
    for match in _BRACES.finditer(window):
        depth += 1 if match[0] == b"{" else -1
        if depth < 0:
            return match.start()
    return -1
