"""A small OpenAI-compatible server that fails on demand, for the fault tests.

It serves ``/v1/models`` and ``/v1/chat/completions`` on 127.0.0.1 from a
thread. A test sets ``mode`` (how every chat request is answered) or queues
modes for the next requests in ``script``; ``requests`` keeps every chat
request received, and ``times`` when each arrived. In the ``good`` mode the
answer follows the schema the request carries: ``answers["mentions"]`` for
the triage, ``answers["facts"]`` for an extraction (both empty by default).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Every way the server can answer a chat request.
MODES = (
    "good", "500", "429", "401", "hang", "drop", "html", "empty",
    "null", "prose", "broken", "schema", "cutoff", "huge",
)
#: Seconds the "429" mode asks the client to wait.
RETRY_AFTER = 1


class FaultServer:
    """The server, its settings and what it received."""

    def __init__(self) -> None:
        self.mode = "good"
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.answers: dict[str, Any] = {"mentions": [], "facts": []}
        self.released = threading.Event()  # ends the hanging requests at shutdown
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()

    def next_mode(self, request: dict[str, Any]) -> str:
        self.requests.append(request)
        self.times.append(time.monotonic())
        return self.script.pop(0) if self.script else self.mode

    def content(self, request: dict[str, Any]) -> str:
        """A valid answer to ``request``: ``{"mentions": ...}`` or ``{"facts": ...}``, as its schema asks."""
        key = _answer_key(request)
        return json.dumps({key: self.answers[key]})


def _answer_key(request: dict[str, Any]) -> str:
    """The answer's one top-level field, read from the schema in the request's response_format."""
    fmt = request.get("response_format") or {}
    schema = fmt.get("schema") or fmt.get("json_schema", {}).get("schema", {})
    return "mentions" if "mentions" in schema.get("properties", {}) else "facts"


def _completion(content: str | None, finish_reason: str = "stop") -> dict[str, Any]:
    return {
        "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            self._send(200, {"object": "list", "data": [{"id": "m", "object": "model", "created": 0, "owned_by": "t"}]})

        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            mode = server.next_mode(request)
            _ANSWERS[mode](self, server, request)

        def _send(self, status: int, body: Any, content_type: str = "application/json", **headers: str) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _error(status: int, message: str, **headers: str) -> Callable[..., None]:
    return lambda h, s, r: h._send(status, {"error": {"message": message, "type": "error"}}, **headers)


def _answer(content: Callable[[FaultServer, dict[str, Any]], str | None], finish: str = "stop") -> Callable[..., None]:
    return lambda h, s, r: h._send(200, _completion(content(s, r), finish))


def _hang(handler: BaseHTTPRequestHandler, server: FaultServer, request: dict[str, Any]) -> None:
    server.released.wait(60)


def _drop(handler: BaseHTTPRequestHandler, server: FaultServer, request: dict[str, Any]) -> None:
    handler.close_connection = True  # returning without a word closes the socket


_ANSWERS: dict[str, Callable[..., None]] = {
    "good": _answer(lambda s, r: s.content(r)),
    "500": _error(500, "internal error: the model crashed"),
    "429": _error(429, "rate limit reached", Retry_After=str(RETRY_AFTER)),
    "401": _error(401, "Incorrect API key provided"),
    "hang": _hang,
    "drop": _drop,
    "html": lambda h, s, r: h._send(200, b"<html><body><h1>Welcome to nginx!</h1></body></html>", "text/html"),
    "empty": lambda h, s, r: h._send(200, b""),
    "null": _answer(lambda s, r: None),
    "prose": _answer(lambda s, r: "Sure! The article describes a memorandum signed in Rome."),
    "broken": _answer(lambda s, r: '{"' + _answer_key(r) + '": [{"quote": "Roma'),
    "schema": _answer(lambda s, r: json.dumps({_answer_key(r): "none"})),
    "cutoff": _answer(lambda s, r: '{"' + _answer_key(r) + '": [{"evidence": ["Il 3 mar', "length"),
    "huge": _answer(lambda s, r: json.dumps({_answer_key(r): [], "padding": "x" * 5_000_000})),
}
assert set(_ANSWERS) == set(MODES)
