"""Settings read in one place, the same for the CLI and the library; options checked where given."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import Scripted, run, seed

import factx
from factx.errors import BackendError, ConfigError
from factx.pipeline import Extractor
from factx.settings import DEFAULT_TIMEOUT, Settings

UNREACHABLE = "http://127.0.0.1:9/v1"


def test_what_is_given_wins_then_the_environment_then_the_default():
    env = {"FACTX_PROVIDER": "vllm", "FACTX_MODEL": "env-model", "FACTX_TIMEOUT": "7.5", "FACTX_CACHE_DIR": "/c"}
    chosen = Settings.from_env(env, model="given-model")
    assert (chosen.provider, chosen.model, chosen.timeout, chosen.cache_dir) == ("vllm", "given-model", 7.5, Path("/c"))
    assert chosen.server_url == "http://127.0.0.1:8000/v1"
    assert Settings.from_env({}) == Settings(provider="local", timeout=DEFAULT_TIMEOUT)


def test_openais_variables_reach_openai_only():
    env = {"OPENAI_BASE_URL": "https://proxy.example/v1", "OPENAI_API_KEY": "sk-openai"}
    ollama = Settings.from_env(env, provider="ollama")
    assert (ollama.server_url, ollama.api_key) == ("http://127.0.0.1:11434/v1", None)
    compatible = Settings.from_env(env, provider="compatible", base_url="http://gpu:8000/v1")
    assert compatible.api_key is None  # an OpenAI key is never sent to another server
    openai = Settings.from_env(env, provider="openai")
    assert (openai.server_url, openai.api_key) == ("https://proxy.example/v1", "sk-openai")
    meant = Settings.from_env({**env, "FACTX_API_KEY": "mine"}, provider="compatible")
    assert meant.api_key == "mine"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:abc/v1", "Port could not be cast to integer value as 'abc'"),
        ("http://[::1", "Invalid IPv6 URL"),
        ("ftp://host/v1", "expected http(s)://host[:port]/path"),
        ("localhost:8000", "expected http(s)://host[:port]/path"),
        ("http://host/v1\t", "it holds control characters"),
    ],
)
def test_a_url_that_cannot_work_is_refused_before_any_request(url, reason):
    with pytest.raises(ConfigError) as caught:
        Settings(provider="compatible", base_url=url)
    assert str(caught.value) == f"invalid server URL {url!r}: {reason}"


def test_a_bad_url_on_the_command_line_is_one_line_and_exit_2():
    done = run("extract", str(seed("002")), "--provider", "compatible", "--base-url", "http://[::1")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.decode() == "error: invalid server URL 'http://[::1': Invalid IPv6 URL\n"


@pytest.mark.parametrize(("value", "message"), [
    ("soon", "timeout must be a number of seconds, not 'soon'"),
    ("0", "timeout must be a positive number of seconds, not 0.0"),
])
def test_a_bad_timeout_is_a_configuration_error(value, message):
    with pytest.raises(ConfigError, match=f"^{message}$"):
        Settings.from_env({"FACTX_TIMEOUT": value})


def test_unknown_settings_and_providers_are_refused():
    with pytest.raises(ConfigError, match="^unknown setting replay$"):
        Settings.from_env({}, replay=True)
    with pytest.raises(ConfigError, match="^unknown provider 'bard'"):
        Settings.from_env({"FACTX_PROVIDER": "bard"})


def test_the_library_refuses_an_option_it_does_not_know():
    with pytest.raises(TypeError, match="replay"):
        factx.extract("testo", replay=True)  # type: ignore[call-arg]


def test_an_unknown_type_fails_where_the_extractor_is_made_with_or_without_triage():
    for triage in (True, False):
        with pytest.raises(ConfigError, match="^unknown fact type treaty; choose from agreement, mou, mission"):
            Extractor(Scripted(), types=("treaty",), triage=triage)


def test_the_library_follows_the_environment_on_every_call(monkeypatch):
    monkeypatch.setenv("FACTX_PROVIDER", "compatible")
    monkeypatch.setenv("FACTX_MODEL", "m")
    monkeypatch.setenv("FACTX_BASE_URL", UNREACHABLE)
    with pytest.raises(BackendError, match=f"^cannot reach the model server at {UNREACHABLE}$"):
        factx.extract("Un accordo è stato firmato oggi a Roma tra due aziende.", cache=False)
    monkeypatch.setenv("FACTX_BASE_URL", "http://127.0.0.1:10/v1")  # not the first call's, kept in a cache
    with pytest.raises(BackendError, match="^cannot reach the model server at http://127.0.0.1:10/v1$"):
        factx.extract("Un accordo è stato firmato oggi a Roma tra due aziende.", cache=False)
