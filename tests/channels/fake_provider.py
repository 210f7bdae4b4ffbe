"""A fake of every reply provider's send endpoint that, like a careful provider, drops repeats.

`FakeProvider.answer` is pure (path, key, JSON/form body) -> (status, body), so the same fake
serves an `httpx.MockTransport` in unit tests and a real local HTTP server (`asgi_app`).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class FakeProvider:
    accepted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (path, body)
    repeats: int = 0
    failures: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # next answers
    ids: list[str] = field(default_factory=list)  # ids to give accepted messages, in order
    _by_key: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, key: str | None, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self._lock:
            if key and key in self._by_key:
                self.repeats += 1
                return self._by_key[key]
            if self.failures:
                return self.failures.pop(0)
            self.accepted.append((path, body))
            n = len(self.accepted)
            given = self.ids.pop(0) if self.ids else f"id-{n}"
            answer = (200, _success(path, body, given, n))
            if key:
                self._by_key[key] = answer
            return answer

    def handler(self, request: httpx.Request) -> httpx.Response:
        status, body = self.answer(request.url.path, request.headers.get("idempotency-key"),
                                   _body(request.headers.get("content-type", ""), request.content))
        return httpx.Response(status, json=body)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def asgi_app(self) -> Starlette:
        async def endpoint(request: Request) -> JSONResponse:
            content = await request.body()
            status, body = self.answer(request.url.path, request.headers.get("idempotency-key"),
                                       _body(request.headers.get("content-type", ""), content))
            return JSONResponse(body, status_code=status)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])


def _body(content_type: str, content: bytes) -> dict[str, Any]:
    if "json" in content_type:
        value = json.loads(content or b"{}")
        return value if isinstance(value, dict) else {}
    return dict(httpx.QueryParams(content.decode()))


def _success(path: str, body: dict[str, Any], given: str, n: int) -> dict[str, Any]:
    if path.endswith("Messages.json"):
        return {"sid": given, "status": "queued"}
    if "dm_conversations" in path:
        return {"data": {"dm_conversation_id": "c", "dm_event_id": given}}
    if path.endswith("sendMessage"):
        return {"ok": True, "result": {"message_id": n, "chat": {"id": body.get("chat_id")}}}
    if body.get("messaging_product") == "whatsapp":
        return {"messaging_product": "whatsapp", "messages": [{"id": given}]}
    return {"recipient_id": "r", "message_id": given}
