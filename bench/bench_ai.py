"""The price-reading agent measured on the bundled pricing pages whose true offers are known.

The truth is what each page's selectors (or the generic extractor, for the generic pages) read: the
captures the HTML extractor is tested on (``tests/fixtures/pricing_pages``). Each page goes through
``veille.ai.prices.read_prices`` (the same text, prompt and checks as a source run) and the figures are:
precision and recall of offers (by name) and of prices (name, price, currency and unit right), the
offers rejected by reason, answers that failed as a whole, tokens and time.

    python -m bench ai                                    # a loopback fake (truth + adversarial answers)
    python -m bench ai --endpoint URL --model NAME        # a real OpenAI-compatible endpoint

Without ``--endpoint`` a loopback fake of ``POST /v1/chat/completions`` answers from the truth, with
quotes cut from the page text, plus on every page a price not on the page, a quote not on the page, a
wrong currency and a guessed spec, and one malformed answer (for ``no_prices.html``). The key of a
real endpoint is read from ``VEILLE_AI_API_KEY``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

PAGES_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "pricing_pages"
# (file, source key of PAGES or None for a generic page, parser)
PAGES = [
    ("contabo_en.html", "contabo", "pricing_page.html"),
    ("hostinger_fr.html", "hostinger", "pricing_page.html"),
    ("infomaniak_de.html", "infomaniak", "pricing_page.html"),
    ("coreweave_en.html", "coreweave", "pricing_page.html"),
    ("paperspace_en.html", "paperspace", "pricing_page.html"),
    ("generic_de_cards.html", None, "pricing_page.generic"),
    ("generic_fr_table.html", None, "pricing_page.generic"),
    ("no_prices.html", None, None),
]


@dataclass
class Truth:
    name: str
    price: Decimal
    currency: str
    unit: str  # hour or month
    specs: dict[str, Any] = field(default_factory=dict)


def _url(key: str | None, file: str) -> str:
    from veille.sources.pricing_pages import PAGES as CONFIG

    return CONFIG[key].url if key else f"https://pricing.example/{file}"


def truth_of(file: str, key: str | None, parser: str | None) -> list[Truth]:
    """The offers the page's own extractor reads (the tests check them)."""
    from veille.observations import Offer
    from veille.sources import ParseContext, parse_body

    if parser is None:
        return []
    ctx = ParseContext(f"pricing_page.{key}" if key else "bench", "acme", _url(key, file), datetime.now(UTC))
    out = []
    for o in parse_body(parser, (PAGES_DIR / file).read_bytes(), ctx):
        assert isinstance(o, Offer)
        price = o.price_hourly if o.unit == "hour" else o.price_monthly
        assert price is not None
        specs = {"vcpu": o.vcpu, "ram_gb": o.ram_gb, "disk_gb": o.disk_gb, "gpu_model": o.gpu_model,
                 "gpu_count": o.gpu_count}  # fmt: skip
        out.append(Truth(o.name, price, o.currency, o.unit, specs))
    return out


# --- the loopback fake ------------------------------------------------------------------------------


def _quote(lines: list[str], truth: Truth) -> str:
    """The page's lines from the offer's name to the first one writing its price."""
    from veille.ai.prices import numbers_in

    start = next((i for i, line in enumerate(lines) if line == truth.name), None)
    if start is None:
        start = next(i for i, line in enumerate(lines) if truth.name in line)
    end = next(j for j in range(start, len(lines)) if truth.price in numbers_in(lines[j]))
    return "\n".join(lines[start : end + 1])


def fake_answer(text: str, truths: list[Truth]) -> dict[str, Any]:
    """A correct reading of the page followed by adversarial offers the checks must reject."""
    from veille.ai.prices import numbers_in

    lines = text.splitlines()
    offers = []
    for t in truths:
        quote = _quote(lines, t)
        shown = numbers_in(quote)
        specs = {k: (v if v is None or k == "gpu_model" or v in shown or v / 1000 in shown else None)
                 for k, v in t.specs.items()}  # fmt: skip
        if specs["gpu_model"] and specs["gpu_model"] not in text:
            specs["gpu_model"] = None
        specs["gpu_count"] = int(specs["gpu_count"]) if specs["gpu_count"] is not None else None
        offers.append({"name": t.name, **{k: _num(v) for k, v in specs.items()}, "region": None,
                       "price": _num(t.price), "currency": t.currency, "unit": t.unit, "billing": None,
                       "quote": quote})  # fmt: skip
    if offers:
        first = offers[0]
        other = "USD" if first["currency"] != "USD" else "EUR"
        offers += [
            {**first, "price": _num(Decimal(str(first["price"])) * Decimal("1.1") + Decimal("0.013"))},
            {**first, "quote": f"{first['name']} now only {first['price']} {first['currency']}!"},
            {**first, "currency": other},
            {**first, "vcpu": 999},
        ]
    return {"offers": offers}


def _num(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value  # JSON numbers, as a model writes them


class _Fake(BaseHTTPRequestHandler):
    answers: ClassVar[dict[str, list[Truth] | None]] = {}  # page URL -> truth (None: answer malformed JSON)

    def do_POST(self) -> None:
        from veille.ai.prices import page_text

        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        user = body["messages"][-1]["content"]
        url = user.split("\n", 1)[0].removeprefix("Pricing page ").rstrip(":")
        truths = self.answers.get(url)
        text = user.split("\n\n", 1)[1]
        content = '{"offers": [{"name": ' if truths is None else json.dumps(fake_answer(text, truths))
        assert page_text(text) is not None
        reply = {
            "id": "chatcmpl-bench", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": len(user) // 4, "completion_tokens": len(content) // 4,
                      "total_tokens": len(user) // 4 + len(content) // 4},
        }  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return None


def start_fake(answers: dict[str, list[Truth] | None]) -> tuple[ThreadingHTTPServer, str]:
    _Fake.answers = answers
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


# --- the measure ------------------------------------------------------------------------------------


@dataclass
class Score:
    truth: int = 0
    accepted: int = 0
    offers_right: int = 0
    prices_right: int = 0
    tokens: int = 0
    seconds: float = 0.0
    failed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)

    def add(self, other: Score) -> None:
        for name in ("truth", "accepted", "offers_right", "prices_right", "tokens", "failed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.reasons.update(other.reasons)
        self.failures.update(other.failures)

    def line(self) -> str:
        p = self.offers_right / self.accepted if self.accepted else 1.0
        r = self.offers_right / self.truth if self.truth else 1.0
        pp = self.prices_right / self.accepted if self.accepted else 1.0
        pr = self.prices_right / self.truth if self.truth else 1.0
        return (f"offers P {p:.2f} R {r:.2f} | prices P {pp:.2f} R {pr:.2f} | {self.accepted}/{self.truth} kept, "
                f"{sum(self.reasons.values())} rejected, {self.failed} failed | {self.tokens} tokens | "
                f"{self.seconds:.2f} s")  # fmt: skip


def score_page(client: Any, file: str, key: str | None, truths: list[Truth]) -> Score:
    from veille.ai.prices import PageFacts, read_prices

    facts = PageFacts(competitor="acme", url=_url(key, file))
    started = time.perf_counter()
    reading = read_prices(client, (PAGES_DIR / file).read_bytes(), facts)
    score = Score(truth=len(truths), accepted=len(reading.offers), seconds=time.perf_counter() - started)
    score.tokens, score.failed = reading.tokens, 1 if reading.error else 0
    score.reasons.update(_reason_kind(r["reason"]) for r in reading.rejected)
    if reading.error:
        score.failures[reading.error.split("(")[0].strip()] += 1
    by_name = {t.name.casefold(): t for t in truths}
    for offer in reading.offers:
        t = by_name.get(offer.name.casefold())
        if t is None:
            continue
        score.offers_right += 1
        price = offer.price_hourly if offer.unit in ("hour", "minute") else offer.price_monthly
        if price == t.price and offer.currency == t.currency and offer.unit == t.unit:
            score.prices_right += 1
    return score


def _reason_kind(reason: str) -> str:
    """A reason without its figures: ``price 6.5 not in the quote`` -> ``price not in the quote``."""
    words = reason.split()
    return " ".join(w for w in words if not any(c.isdigit() for c in w) and not w.startswith("'"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench ai", description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", help="an OpenAI-compatible base URL (default: a loopback fake)")
    parser.add_argument("--model", help="the model name the endpoint serves (needed with --endpoint)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a call may take")
    args = parser.parse_args(argv or [])
    if args.endpoint and not args.model:
        parser.error("--endpoint needs --model: the name of a model the endpoint serves")
    args.model = args.model or "fake-reader"
    from veille.ai.client import ModelClient
    from veille.settings import Settings
    from veille.workspace import Workspace

    truths = {file: truth_of(file, key, parser_id) for file, key, parser_id in PAGES}
    server = None
    endpoint = args.endpoint
    if endpoint is None:
        answers = {_url(key, file): (truths[file] if parser_id else None) for file, key, parser_id in PAGES}
        server, endpoint = start_fake(answers)
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), ai_enabled=True, ai_base_url=endpoint, ai_model=args.model,
                            ai_timeout=args.timeout, ai_monthly_tokens=10**9)  # fmt: skip
        ws = Workspace(settings)
        ws.init_store()
        client = ModelClient(settings, ws.store)
        print(f"endpoint {endpoint}{' (loopback fake)' if server else ''}, model {args.model}")
        total = Score()
        for file, key, _ in PAGES:
            score = score_page(client, file, key, truths[file])
            total.add(score)
            print(f"  {file:24} {score.line()}")
        ws.store.dispose()
    if server is not None:
        server.shutdown()
    print(f"  {'all pages':24} {total.line()}")
    for reason, count in total.reasons.most_common():
        print(f"    rejected {count:3} x {reason}")
    for reason, count in total.failures.most_common():
        print(f"    failed   {count:3} x {reason}")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
