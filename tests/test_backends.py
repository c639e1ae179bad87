"""Backends: the registry, and the request forms each sends (without a model)."""

from __future__ import annotations

from typing import Any

import pytest

from factx.backends import PROVIDERS, BackendError, Settings, create_backend
from factx.errors import ConfigError
from factx.backends.local import LocalBackend

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
