"""A small OpenAI-compatible server that fails on demand, for the fault tests and the benchmarks.

It serves ``/v1/models`` and ``/v1/chat/completions`` on 127.0.0.1 from a
thread, one thread per connection (kept alive), so dozens of requests are in
flight at once. A test sets ``mode`` (how every chat request is answered) or
queues modes for the next requests in ``script``; ``requests`` keeps every
chat request received, and ``times`` when each arrived (unless ``keep`` is
off, for a long benchmark: ``count`` still counts them); ``peak`` is the most
requests in flight at one moment. In the ``good`` mode
the answer follows the schema the request carries: ``answers["mentions"]``
for the triage, ``answers["facts"]`` for an extraction (both empty by
default); in the ``fact`` mode it is one item built from that schema, every
string a sentence of the request's article, so the answer is valid and its
evidence is found in the text whatever the prompts ask.

``latency`` delays every chat answer; ``error_rate`` answers that share of
them 429 or 503 instead (with ``Retry-After: retry_after`` when given). Which
requests fail depends only on ``seed``, the request and how often that same
request came before, not on timing, so a run is repeatable. ``serve`` runs
one as a context manager, for tests and benchmarks alike.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Every way the server can answer a chat request.
MODES = (
    "good", "fact", "500", "429", "401", "hang", "drop", "html", "empty",
    "null", "prose", "broken", "schema", "cutoff", "huge",
)
#: Seconds the "429" mode asks the client to wait.
RETRY_AFTER = 1


class _HTTPServer(ThreadingHTTPServer):
    request_queue_size = 256  # connections waiting to be accepted: 32+ clients connect at once
    daemon_threads = True


class FaultServer:
    """The server, its settings and what it received."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        error_rate: float = 0.0,
        retry_after: float | None = None,
        seed: int = 0,
        keep: bool = True,
    ) -> None:
        self.mode = "good"
        self.script: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.times: list[float] = []
        self.answers: dict[str, Any] = {"mentions": [], "facts": []}
        self.latency, self.error_rate, self.retry_after, self.seed, self.keep = (
            latency, error_rate, retry_after, seed, keep)
        self.count = 0  # chat requests received
        self.peak = 0  # the most chat requests waiting on their latency at one moment
        self._waiting = 0
        self.errors = 0  # of which answered with a transient error
        self._seen: Counter[str] = Counter()  # how often each request came (its retries)
        self._lock = threading.Lock()
        self.released = threading.Event()  # ends the hanging requests at shutdown
        self._http = _HTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> FaultServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self._http.shutdown()
        self._http.server_close()

    def next_mode(self, request: dict[str, Any], body: bytes) -> str:
        """How to answer this request: a transient error by chance, else the script's next mode, else ``mode``."""
        with self._lock:
            self.count += 1
            if self.keep:
                self.requests.append(request)
                self.times.append(time.monotonic())
            key = hashlib.sha256(body).hexdigest()
            self._seen[key] += 1
            draw = random.Random(f"{self.seed}:{key}:{self._seen[key]}").random()
            if draw < self.error_rate:
                self.errors += 1
                return "busy" if draw < self.error_rate / 2 else "down"
            return self.script.pop(0) if self.script else self.mode

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Count a request as in flight while it waits on its latency, keeping the peak."""
        with self._lock:
            self._waiting += 1
            self.peak = max(self.peak, self._waiting)
        try:
            yield
        finally:
            with self._lock:
                self._waiting -= 1

    def content(self, request: dict[str, Any]) -> str:
        """A valid answer to ``request``: ``{"mentions": ...}`` or ``{"facts": ...}``, as its schema asks."""
        key = _answer_key(request)
        return json.dumps({key: self.answers[key]}) if key in self.answers else _one_item(request)


@contextmanager
def serve(
    latency: float = 0.0, error_rate: float = 0.0, retry_after: float | None = None, seed: int = 0
) -> Iterator[ServedURL]:
    """A server answering every request validly (``fact`` mode), for as long as the block runs.

    Yields its base URL, ``http://127.0.0.1:PORT/v1``, whose ``requests`` and ``errors`` count
    the chat requests received and the transient errors sent. Nothing is kept per request.
    """
    server = FaultServer(latency=latency, error_rate=error_rate, retry_after=retry_after, seed=seed, keep=False)
    server.mode = "fact"
    server.start()
    try:
        yield ServedURL(server)
    finally:
        server.stop()


class ServedURL(str):
    """The base URL of a running server, with its counters."""

    server: FaultServer

    def __new__(cls, server: FaultServer) -> ServedURL:
        url = super().__new__(cls, server.url)
        url.server = server
        return url

    @property
    def requests(self) -> int:
        return self.server.count

    @property
    def errors(self) -> int:
        return self.server.errors


def _schema(request: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema in the request's response_format, in either form factx sends."""
    fmt = request.get("response_format") or {}
    return fmt.get("schema") or fmt.get("json_schema", {}).get("schema", {})


def _answer_key(request: dict[str, Any]) -> str:
    """The answer's one top-level field ("facts", "mentions", "english"), read from the schema in the
    request's response_format."""
    properties = _schema(request).get("properties", {})
    return next((key for key in ("mentions", "english") if key in properties), "facts")


def _one_item(request: dict[str, Any]) -> str:
    """One item of the answer's list, the least its schema accepts, each string a sentence of the article."""
    key, schema = _answer_key(request), _schema(request)
    if key == "english":  # phrases to translate: exactly as many English ones back
        return json.dumps({key: _least(schema["properties"][key], {}, "in English")})
    quote = _sentence(request)
    items = schema.get("properties", {}).get(key, {}).get("items")
    answer = [_least(items, schema.get("$defs", {}), quote)] if quote and items else []
    return json.dumps({key: answer}, ensure_ascii=False)


def _words(request: dict[str, Any]) -> int:
    """The request's words, as its prompt tokens: documents of different lengths cost differently."""
    return sum(len(str(message.get("content", "")).split()) for message in request.get("messages", []))


def _sentence(request: dict[str, Any]) -> str | None:
    """The article's first sentence long enough to be a quote (3 words, 15 characters)."""
    for message in request.get("messages", []):
        article = re.search(r'"""\n(.*?)\n"""', str(message.get("content", "")), re.S)
        if article:
            sentences = re.split(r"(?<=[.!?])\s+", article[1])
            return next((s.strip()[:300] for s in sentences if len(s.split()) >= 3 and len(s.strip()) >= 15), None)
    return None


def _least(schema: dict[str, Any], defs: dict[str, Any], text: str) -> Any:
    """The smallest value ``schema`` accepts, every string ``text``: required fields only, shortest lists."""
    if "$ref" in schema:
        return _least(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, text)
    if "anyOf" in schema:
        return None if {"type": "null"} in schema["anyOf"] else _least(schema["anyOf"][0], defs, text)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        required = schema.get("required", [])
        return {name: _least(sub, defs, text) for name, sub in schema.get("properties", {}).items() if name in required}
    if kind == "array":
        return [_least(schema.get("items", {}), defs, text) for _ in range(schema.get("minItems", 0))]
    if kind == "string":
        return text[: schema.get("maxLength", len(text))]
    return {"integer": 0, "number": 0, "boolean": False}.get(kind)


def _completion(content: str | None, finish_reason: str = "stop", prompt_tokens: int = 10) -> dict[str, Any]:
    return {
        "id": "c1", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": finish_reason,
                     "message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": 5, "total_tokens": prompt_tokens + 5},
    }


def _handler(server: FaultServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep connections open, as a real server does
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms wait for an ACK between

        def log_message(self, *args: Any) -> None:  # keep the test output clean
            pass

        def do_GET(self) -> None:
            self._send(200, {"object": "list", "data": [{"id": "m", "object": "model", "created": 0, "owned_by": "t"}]})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            request = json.loads(body or b"{}")
            mode = server.next_mode(request, body)
            with server.answering():
                time.sleep(server.latency)
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


def _transient(status: int, message: str) -> Callable[..., None]:
    """A 429 or 503 that the next try may not get; with the server's Retry-After, if it has one."""

    def answer(handler: Any, server: FaultServer, request: dict[str, Any]) -> None:
        wait = {} if server.retry_after is None else {"Retry_After": f"{server.retry_after:g}"}
        handler._send(status, {"error": {"message": message, "type": "error"}}, **wait)

    return answer


def _hang(handler: BaseHTTPRequestHandler, server: FaultServer, request: dict[str, Any]) -> None:
    server.released.wait(60)


def _drop(handler: BaseHTTPRequestHandler, server: FaultServer, request: dict[str, Any]) -> None:
    handler.close_connection = True  # returning without a word closes the socket


_ANSWERS: dict[str, Callable[..., None]] = {
    "good": _answer(lambda s, r: s.content(r)),
    "fact": lambda h, s, r: h._send(200, _completion(_one_item(r), prompt_tokens=_words(r))),
    "busy": _transient(429, "rate limit reached"),
    "down": _transient(503, "the server is overloaded"),
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
assert set(_ANSWERS) == {*MODES, "busy", "down"}  # the last two are drawn by chance, never set
