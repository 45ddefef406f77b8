"""The HTTP response a demo source serves, and the helpers its builders share."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Response:
    body: bytes
    content_type: str = "application/json"
    status: int = 200


def json_response(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False, indent=1).encode())


def iso_z(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.000Z")
