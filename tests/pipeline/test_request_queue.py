"""``Request.then``: a listing queues the documents it names; pagination keeps the queue."""

from __future__ import annotations

from veille.sources._registry import Request


def test_queue_is_walked_in_order_and_inherited_by_following_pages() -> None:
    a, b, c = Request("https://x/a"), Request("https://x/b"), Request("https://x/c")
    listing = Request("https://x/list", then=(a, b))
    page2 = listing.after(Request("https://x/list?page=2"))
    assert page2 is not None and page2.then == (a, b)  # the next page carries the queue
    first = page2.after(None)
    assert first is not None and first.url == a.url and [r.url for r in first.then] == [b.url]
    nested = Request("https://x/a", then=(c,))
    second = Request("https://x/list", then=(nested, b)).after(None)
    assert second is not None and [r.url for r in second.then] == [c.url, b.url]  # a's own queue first
    assert Request("https://x/last").after(None) is None
