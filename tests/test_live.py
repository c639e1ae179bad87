"""The real embedded model, in process and behind a real OpenAI-compatible server.

These are the few live runs the suite keeps (about a minute in all): they
prove the grammar really reaches llama.cpp and that the remote path works
against a real server, including the fallback when ``json_schema`` is refused.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from factx import splitting, spotting
from factx.backends import Settings, create_backend
from factx.pipeline import Extractor
from factx.weights import embedded_model_path

pytestmark = pytest.mark.live

TEXT = (
    "Milano, 5 maggio 2026 – È nata oggi a Milano l'Associazione Italiana Videogiochi "
    "Indipendenti (AIVI), presieduta da Carla Rossi. L'associazione riunisce quaranta studi."
)
#: A schema no model would follow by chance: only a grammar makes the answer fit.
ODD_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["zebra-7", "quokka-9"]}, "n": {"type": "integer"}},
    "required": ["verdict", "n"],
}
PROSE = [{"role": "user", "content": "Write a haiku about autumn, in Markdown, with a title."}]
JSON_SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "Odd", "schema": ODD_SCHEMA}}


def assert_follows_odd_schema(content: str | None) -> None:
    answer = json.loads(content or "")
    assert answer["verdict"] in {"zebra-7", "quokka-9"} and isinstance(answer["n"], int)


def test_the_schema_constrains_the_local_model_even_against_the_prompt():
    backend = create_backend(Settings())
    reply = backend.create(messages=PROSE, response_format=JSON_SCHEMA_FORMAT, max_tokens=40, temperature=0)
    assert_follows_odd_schema(reply.choices[0].message.content)


def test_asking_the_grammar_about_the_first_choice_picks_what_the_whole_chain_picks(monkeypatch):
    from llama_cpp import Llama

    from factx.backends.greedy import Greedy, GrammarFirstGreedy

    llama = create_backend(Settings())._load()
    refused: list[int] = []
    best_allowed = GrammarFirstGreedy._best_allowed
    monkeypatch.setattr(GrammarFirstGreedy, "_best_allowed", lambda self, logits: refused.append(1) or best_allowed(self, logits))
    request = {"messages": PROSE, "response_format": {"type": "json_object", "schema": ODD_SCHEMA}, "max_tokens": 40,
               "temperature": 0}
    answers = []
    for sampler in (Greedy._init_sampler, Llama._init_sampler):
        monkeypatch.setattr(Greedy, "_init_sampler", sampler)
        llama.reset()  # the same state for both: the whole prompt read afresh
        answers.append(llama.create_chat_completion(**request)["choices"][0]["message"]["content"])
    assert_follows_odd_schema(answers[0])
    assert answers[0] == answers[1] and refused  # the same answer, though the grammar refused the model's choice


def test_guessed_tokens_write_the_answer_in_fewer_steps():
    from factx.prompting import answer_model, messages

    llama = create_backend(Settings())._load()
    schema = answer_model("federation", True).model_json_schema()
    request = {"messages": messages(TEXT, "federation"), "max_tokens": 300, "temperature": 0,
               "response_format": {"type": "json_object", "schema": schema}}
    answers, steps = [], []
    for guessing in (True, False):
        llama.guessing = guessing
        decode = llama._ctx.decode
        counted: list[int] = []
        llama._ctx.decode = lambda batch, decode=decode: counted.append(1) or decode(batch)
        try:
            llama.reset()  # the same state for both: the whole prompt read afresh
            answers.append(json.loads(llama.create_chat_completion(**request)["choices"][0]["message"]["content"]))
        finally:
            del llama._ctx.decode
            llama.guessing = True
        steps.append(len(counted))
    for answer in answers:
        (fact,) = answer["facts"]
        assert "Videogiochi" in fact["name"] and fact["acronym"] == "AIVI"
    assert steps[0] < 0.9 * steps[1]  # the name and quotes copied from the article a few tokens a step


def test_local_model_extracts_a_grounded_federation():
    record = Extractor.from_settings(Settings(), store_mode="off", types="federation").extract(TEXT, source="aivi.txt")
    (fact,) = record.facts
    assert "Videogiochi" in fact.name and fact.acronym == "AIVI"
    assert fact.founded_on == "2026-05-05"
    assert fact.grounded and all(TEXT[e.start : e.end] == e.quote for e in fact.evidence)
    assert record.language == "it" and record.publication_date == "2026-05-05"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the same GGUF, on loopback."""
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(embedded_model_path()),
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--model_alias", "qwen-local"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("llama-cpp-python server did not start within 120 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_generic_provider_falls_back_when_the_server_refuses_json_schema(server):
    backend = create_backend(Settings(provider="compatible", base_url=server))
    assert backend.name == "compatible/qwen-local"  # the served model, asked of the server
    reply = backend.create(messages=PROSE, response_format=JSON_SCHEMA_FORMAT, max_tokens=40, temperature=0)
    assert_follows_odd_schema(reply.choices[0].message.content)
    assert backend.form == "json_object"


def test_llamacpp_provider_extracts_through_the_server(server):
    extractor = Extractor.from_settings(Settings(provider="llamacpp", base_url=server), store_mode="off", types="federation")
    record = extractor.extract(TEXT)
    assert record.model == "llamacpp/qwen-local"
    assert [f.acronym for f in record.facts] == ["AIVI"]


def test_a_text_beyond_the_context_window_is_read_in_windows(tmp_path):
    filler = "Una frase qualunque su un argomento qualunque, ripetuta. " * 1000  # ~12k tokens
    long_text = tmp_path / "long.txt"
    long_text.write_text(filler + TEXT, encoding="utf-8")
    ((path, record),) = list(Extractor.from_settings(Settings(), store_mode="off", types="federation").extract_paths([str(long_text)]))
    assert not isinstance(record, Exception), record
    text = long_text.read_text(encoding="utf-8")
    parts = splitting.windows(text, splitting.WINDOW_CHARS, splitting.overlap_for(splitting.WINDOW_CHARS))
    assert len(parts) >= 7
    # one federation call per window holding a federation word (the filler's windows cost none), and one
    # more when the model's goals or sector came back in Italian
    asked = sum(bool(spotting.spot(text[s:e], "federation")) for s, e in parts)
    assert record.stats.model_calls == asked + (record.stats.translated > 0) and asked >= 1
    (fact,) = record.facts
    assert fact.acronym == "AIVI" and fact.grounded
    assert all(e.start is not None and e.start >= len(filler) for e in fact.evidence)
