"""A loopback fake of an OpenAI-compatible API (``POST /v1/chat/completions``) and a workspace using it.

The fake answers in the real response shape (``choices[].message``, ``finish_reason``, ``usage``); each
test queues the answers it wants: JSON content, malformed content, a refusal, an HTTP status, a delay.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from veille.settings import Settings
from veille.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REDESIGN = FIXTURES / "pricing_pages" / "contabo_redesign_en.html"
MODEL = "mistral-small-latest"
CHAT = "/v1/chat/completions"


def completion(
    content: str | None, *, refusal: str | None = None, prompt: int = 900, answer: int = 300
) -> dict[str, Any]:
    """A chat completion as OpenAI-compatible servers send it."""
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1765152000,
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer},
    }


def offer(name: str, price: str, quote: str, **fields: Any) -> dict[str, Any]:
    """One offer of a model's answer (defaults: EUR per month, nothing else stated)."""
    return {
        "name": name, "vcpu": None, "ram_gb": None, "disk_gb": None, "gpu_model": None, "gpu_count": None,
        "region": None, "price": json.loads(price), "currency": "EUR", "unit": "month", "billing": None,
        "quote": quote, **fields,
    }  # fmt: skip


# the correct reading of contabo_redesign_en.html
VPS10 = offer(
    "Cloud VPS 10",
    "4.50",
    "Cloud VPS 10 4 vCPU Cores · 8 GB RAM · 75 GB NVMe €4.50 /month",
    vcpu=4,
    ram_gb=8,
    disk_gb=75,
)
VPS20 = offer(
    "Cloud VPS 20",
    "7.00",
    "Cloud VPS 20\n6 vCPU Cores · 12 GB RAM · 100 GB NVMe\n€7.00 /month",
    vcpu=6,
    ram_gb=12,
    disk_gb=100,
)
VPS40 = offer(
    "Cloud VPS 40",
    "1299.00",
    "Cloud VPS 40 12 vCPU Cores · 48 GB RAM · 250 GB NVMe €1,299.00 /month",
    vcpu=12,
    ram_gb=48,
    disk_gb=250,
)
DEDICATED = offer("Dedicated Server L", "1299.95", "Dedicated Server L: from 1.299,95 € per month.")
CORRECT = [VPS10, VPS20, VPS40, DEDICATED]


@dataclass
class FakeModel:
    """The queued answers of the fake endpoint and the requests it received."""

    server: HTTPServer
    queue: list[tuple[int, Any, float]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    reader: Callable[[str], list[dict[str, Any]]] | None = None  # page text -> offers, instead of the queue

    def answer(self, content: Any, *, status: int = 200, delay: float = 0.0) -> None:
        """Queue an answer: offers (a list: JSON of them), raw text, a full body (dict), or an error status."""
        if isinstance(content, list):
            body: Any = completion(json.dumps({"offers": content}))
        elif isinstance(content, str):
            body = completion(content)
        else:
            body = content
        self.queue.append((status, body, delay))

    def handle(self, request: Request) -> Response:
        self.requests.append(json.loads(request.get_data() or b"{}"))
        if self.reader is not None:
            text = self.requests[-1]["messages"][-1]["content"].split("\n\n", 1)[1]
            self.queue.append((200, completion(json.dumps({"offers": self.reader(text)})), 0.0))
        status, body, delay = self.queue.pop(0) if self.queue else (500, {"error": "no answer queued"}, 0.0)
        if delay:
            time.sleep(delay)
        return Response(json.dumps(body), status=status, content_type="application/json")

    @property
    def base_url(self) -> str:
        return self.server.url_for("/v1")


@pytest.fixture
def fake_model(httpserver: HTTPServer) -> FakeModel:
    fake = FakeModel(httpserver)
    httpserver.expect_request(CHAT, method="POST").respond_with_handler(fake.handle)
    return fake


def serve_page(httpserver: HTTPServer, body: bytes, path: str = "/en/vps/") -> None:
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nAllow: /\n", content_type="text/plain"
    )
    httpserver.expect_request(path).respond_with_data(body, content_type="text/html")


MakeWorkspace = Callable[..., Workspace]


@pytest.fixture
def ai_workspace(tmp_path: Path, fake_model: FakeModel) -> MakeWorkspace:
    """``ai_workspace(**settings)``: a workspace whose model is the fake and whose contabo.com is loopback."""

    def make(**overrides: Any) -> Workspace:
        base = fake_model.server.url_for("/").rstrip("/")
        values: dict[str, Any] = {
            "home": tmp_path / "ws",
            "url_map": {"https://contabo.com": base},
            "http_retries": 0,
            "ai_enabled": True,
            "ai_base_url": fake_model.base_url,
            "ai_model": MODEL,
            "ai_retries": 0,
            "ai_timeout": 5.0,
            **overrides,
        }
        ws = Workspace(Settings(**values))
        ws.init_store()
        return ws

    return make
