"""Backends: the registry, the request forms each sends, and a failing server as one line (without a model)."""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import pytest
from fault_server import RETRY_AFTER

from factx.backends import PROVIDERS, BackendError, Settings, create_backend
from factx.backends.local import LocalBackend
from factx.backends.openai_compat import OpenAICompatBackend
from factx.errors import ConfigError
from factx.settings import DEFAULT_RETRIES

SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
REQUEST = {
    "messages": [{"role": "user", "content": "hi"}],
    "response_format": {"type": "json_schema", "json_schema": {"name": "N", "schema": SCHEMA}},
    "temperature": 0.0,
    "max_tokens": 10,
    "model": "ignored-in-process",
}


class FakeLlama:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def create_chat_completion(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {"id": "x", "created": 0, "model": "m", "choices": [
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": '{"n": 1}'}}]}


def test_local_backend_sends_the_schema_in_the_form_llama_cpp_builds_a_grammar_from():
    backend = LocalBackend(Settings())
    backend._llama = FakeLlama()
    reply = backend.create(**REQUEST)
    (call,) = backend._llama.calls
    assert call["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert "model" not in call and call["max_tokens"] == 10
    assert reply.choices[0].message.content == '{"n": 1}'


def test_local_model_name_follows_the_file_loaded(monkeypatch, tmp_path):
    monkeypatch.delenv("FACTX_MODEL_PATH", raising=False)
    assert create_backend(Settings.from_env()).name == "local/qwen2.5-coder-1.5b-instruct-q4_k_m"
    monkeypatch.setenv("FACTX_MODEL_PATH", str(tmp_path / "other-model.gguf"))
    assert create_backend(Settings.from_env()).name == "local/other-model"


def test_a_missing_model_file_is_a_one_line_error(tmp_path):
    backend = LocalBackend(Settings(model_path=str(tmp_path / "nope.gguf")))
    with pytest.raises(BackendError, match=r"nope\.gguf: no such model file$"):
        backend.create(**REQUEST)


def test_unknown_provider_names_the_choices():
    with pytest.raises(ConfigError, match="unknown provider 'bard'; choose one of: " + ", ".join(PROVIDERS)):
        Settings(provider="bard")


@pytest.mark.parametrize(("provider", "form"), [("openai", "json_schema"), ("vllm", "json_schema"),
                                                 ("ollama", "json_schema"), ("llamacpp", "json_object"),
                                                 ("compatible", "json_schema")])
def test_each_provider_starts_with_the_form_its_server_takes(provider, form, monkeypatch):
    assert create_backend(Settings(provider=provider, model="m", api_key="k")).form == form


def _remote(url: str, timeout: float = 1.0) -> OpenAICompatBackend:
    """A backend whose client retries once (the default retries more), so each fault costs two tries."""
    return OpenAICompatBackend(Settings(provider="compatible", base_url=url, model="m", timeout=timeout, retries=1))


def test_the_client_uses_the_timeout_chosen_and_bounded_retries(monkeypatch):
    monkeypatch.setenv("FACTX_TIMEOUT", "2.5")
    client = create_backend(Settings.from_env(provider="compatible", model="m")).client
    assert (client.timeout, client.max_retries) == (2.5, DEFAULT_RETRIES)


@pytest.mark.parametrize(("mode", "reason", "requests"), [
    ("500", "HTTP 500 after 2 tries, internal error: the model crashed", 4),  # both structured-output forms
    ("429", "HTTP 429 after 2 tries, rate limit reached", 2),
    ("401", "HTTP 401, the server rejected the API key (check --api-key or FACTX_API_KEY)", 1),
    ("drop", "the connection failed (Server disconnected without sending a response); tried 2 times", 2),
    ("html", "sent HTML, not a chat completion", 1),
    ("empty", "sent an empty body, not a chat completion", 1),
    ("null", "sent a chat completion without an answer (null content)", 1),
    ("huge", "sent an answer of 5.0 MB, not a plausible answer", 1),
])
def test_a_failing_server_is_one_line_naming_it_and_the_reason(fault_server, mode, reason, requests):
    fault_server.mode = mode
    with pytest.raises(BackendError) as caught:
        _remote(fault_server.url).create(**REQUEST)
    assert str(caught.value) == f"{fault_server.url}: {reason}"
    assert len(fault_server.requests) == requests


def test_a_hanging_server_is_given_up_on_after_the_timeout_and_one_retry(fault_server):
    fault_server.mode = "hang"
    started = time.monotonic()
    with pytest.raises(BackendError) as caught:
        _remote(fault_server.url, timeout=0.5).create(**REQUEST)
    assert str(caught.value) == f"no answer from {fault_server.url} within 0.5 s (tried 2 times)"
    assert len(fault_server.requests) == 2 and time.monotonic() - started < 3


def test_a_429_is_retried_after_the_servers_retry_after(fault_server):
    fault_server.script = ["429"]
    answer = _remote(fault_server.url).create(**REQUEST)
    assert answer.choices[0].message.content == '{"facts": []}'
    assert fault_server.times[1] - fault_server.times[0] >= RETRY_AFTER


def test_an_unreachable_server_is_one_line():
    with pytest.raises(BackendError, match=r"^cannot reach the model server at http://127\.0\.0\.1:9/v1$"):
        _remote("http://127.0.0.1:9/v1").create(**REQUEST)


def test_a_server_refusing_json_schema_is_asked_in_llama_cpp_form_from_then_on(fault_server):
    fault_server.script = ["500", "500"]  # the first try and the client's retry
    backend = _remote(fault_server.url)
    backend.create(**REQUEST)
    backend.create(**REQUEST)
    forms = [r["response_format"]["type"] for r in fault_server.requests]
    assert forms == ["json_schema", "json_schema", "json_object", "json_object"] and backend.form == "json_object"


@pytest.mark.parametrize("mode", ["prose", "broken", "schema", "cutoff"])
def test_a_bad_answer_in_a_good_completion_is_for_the_caller_to_judge(fault_server, mode):
    """The server worked; whether the model's answer is valid is decided by calling.ask."""
    fault_server.mode = mode
    assert isinstance(_remote(fault_server.url).create(**REQUEST).choices[0].message.content, str)


def _client_raising(error: Exception) -> SimpleNamespace:
    def create(**request: Any) -> None:
        raise error

    return SimpleNamespace(post=lambda path, **request: create(**request))


def test_an_error_of_the_http_library_is_one_line_but_a_bug_keeps_its_traceback():
    httpx = pytest.importorskip("httpx2")  # the HTTP library of openai 3 (httpx before)
    backend = _remote("http://127.0.0.1:9/v1")
    backend._client = _client_raising(httpx.InvalidURL("Invalid non-printable ASCII character in URL\nline 2"))
    with pytest.raises(BackendError) as caught:
        backend.create(**REQUEST)
    assert str(caught.value) == "http://127.0.0.1:9/v1: Invalid non-printable ASCII character in URL"
    backend._client = _client_raising(TypeError("a bug"))
    with pytest.raises(TypeError):
        backend.create(**REQUEST)


def test_an_interrupt_while_the_model_loads_waits_for_the_load_then_stops_the_run():
    # Raised inside llama.cpp's C log callback, a Ctrl-C was printed as a traceback and lost.
    import os
    import signal

    from factx.backends.local import _signals_held

    steps = []
    with pytest.raises(KeyboardInterrupt):
        with _signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            steps.append("load finished")
    assert steps == ["load finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
