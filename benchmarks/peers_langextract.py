"""langextract's side of benchmarks/peers.py; runs inside benchmarks/.peers-venv.

langextract must never become a factx dependency, so it lives in its own venv
and peers.py talks to it through this script: one JSON job on stdin
(``base_url``, ``model``, ``max_tokens``, ``description``, ``example`` and
``documents``, each ``{"source", "text"}``), one JSON line per document on
stdout (``extractions`` or ``error``, and ``seconds``). The texts come from
peers.py so langextract's character offsets index the very text it scores.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from typing import Any

import langextract as lx


def _examples(example: dict[str, Any]) -> list[lx.data.ExampleData]:
    extractions = [
        lx.data.Extraction(e["class"], e["text"], attributes=e["attributes"]) for e in example["extractions"]
    ]
    return [lx.data.ExampleData(text=example["text"], extractions=extractions)]


def _config(job: dict[str, Any]) -> lx.factory.ModelConfig:
    """langextract's OpenAI provider pointed at the loopback server."""
    return lx.factory.ModelConfig(
        model_id=job["model"],
        provider="OpenAILanguageModel",
        provider_kwargs={
            "base_url": job["base_url"],
            "api_key": "not-needed",
            "temperature": 0.0,
            "max_workers": 1,
            "max_output_tokens": job["max_tokens"],
        },
    )


def _extract(text: str, job: dict[str, Any], examples: list[lx.data.ExampleData]) -> list[dict[str, Any]]:
    # langextract reports progress on stdout, which carries our answers
    with contextlib.redirect_stdout(sys.stderr):
        annotated = lx.extract(
            text,
            prompt_description=job["description"],
            examples=examples,
            config=_config(job),
            # True (the default) sends the example-derived schema as OpenAI's json_schema, which
            # llama-cpp-python's server refuses (HTTP 500); False sends {"type": "json_object"}
            use_schema_constraints=False,
            fence_output=False,
            max_char_buffer=max(1000, len(text)),  # one chunk, so one call per document like the other tools
            batch_length=1,
            max_workers=1,
            show_progress=False,
        )
    return [
        {
            "class": e.extraction_class,
            "text": e.extraction_text,
            "attributes": e.attributes or {},
            "start": e.char_interval.start_pos if e.char_interval else None,
            "end": e.char_interval.end_pos if e.char_interval else None,
        }
        for e in annotated.extractions or []
    ]


def main() -> None:
    job = json.load(sys.stdin)
    examples = _examples(job["example"])
    for document in job["documents"]:
        started = time.perf_counter()
        try:
            answer: dict[str, Any] = {"extractions": _extract(document["text"], job, examples)}
        except Exception as err:  # one failing document must not stop the others
            answer = {"error": " ".join(f"{type(err).__name__}: {err}".split())[:300]}
        answer["seconds"] = time.perf_counter() - started
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
