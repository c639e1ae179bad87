"""The extraction pipeline: one document in, one validated, grounded record out.

Stages, each in its own module: read input (``reading``) → split (``splitting``)
→ spot (``spotting``) → prompt (``prompting``) → call the model (``calling``) →
validate (``models``) → ground (``grounding``) → normalise (``normalizing``,
through the models' validators) → merge (``merging``) → translate
(``translating``) → write (``writing``). This module only wires them together.
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache, partial
from typing import TypeVar

from pydantic import BaseModel

from factx import calling, prompting, splitting, spotting, translating
from factx.backends import Backend, create_backend
from factx.batching import Batch
from factx.errors import BackendError, ConfigError, CutOffAnswer, FactxError, InputError, ModelAnswerError
from factx.grounding import Caveat, countries_said, ground, locate, shown_quoted
from factx.merging import (
    drop_nobody, drop_recalled, drop_restated, drop_unmarked, founded_named, full_named, leader_told, merge_duplicates,
    merge_mentions, officers_told, retyped, split_listed, with_outcomes, worded,
)
from factx.models import FACT_TYPES, Fact, Record, Stats, bound, dated, hosted, led, received, titled, turned
from factx.normalizing import find_publication_date, home_country
from factx.reading import Document, decode, read_path, read_stdin
from factx.recording import ExchangeStore, RecordingBackend, StoreMode, Tally
from factx.settings import TRIAGE, Settings

ALL_TYPES: tuple[str, ...] = tuple(FACT_TYPES)
#: The share of what the model was shown (one in this many characters) below which sentences stating a fact,
#: answered with none, are asked again alone (``Extractor._asked``).
_SMALL_PART = 4
#: Questions asked again per type and window on a list's unreported clauses: each must find a fact.
MAX_RELOOKS = 3
T = TypeVar("T", bound=BaseModel)


def parse_types(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """``"agreement,mou"`` or a list to known type names, in contract order."""
    if value is None:
        return ALL_TYPES
    names = value.split(",") if isinstance(value, str) else list(value)
    wanted = {n.strip().lower() for n in names if n.strip()}
    unknown = wanted - set(ALL_TYPES)
    if unknown or not wanted:
        raise ConfigError(f"unknown fact type {', '.join(sorted(unknown)) or '(none)'}; choose from {', '.join(ALL_TYPES)}")
    return tuple(t for t in ALL_TYPES if t in wanted)


@dataclass(frozen=True)
class Skipped:
    """An input not extracted because its record already exists (a resumed run)."""

    source: str


#: A warning: worded already, or about one fact and worded under its output title (``Caveat.told``).
Notice = str | Caveat


@dataclass
class Asked:
    """What one question gave: its facts, its warnings, why its answer stayed invalid (None: it did not)
    and, asked on a thread of its own, the calls it made."""

    facts: list[Fact]
    warnings: list[Notice]
    failure: str | None = None
    tally: Tally | None = None


#: What became of one input: its record, the record it already had, or the error it met.
Result = Record | Skipped | FactxError


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language (py3langid: offline and deterministic)."""
    import py3langid

    code, _score = py3langid.classify(text)
    return code or None


@dataclass
class Extractor:
    """Holds one backend (and so one loaded model) for many documents.

    ``backend`` may be a ``RecordingBackend`` (answers cached or replayed, see
    ``from_settings``); ``types`` are checked here, so a wrong name fails when
    the extractor is made, not later; ``strict`` drops facts flagged as
    ungrounded; ``triage`` first asks which types the text states and extracts
    only those; ``window_chars`` bounds what one call reads (see ``splitting``);
    ``calls`` requests to the model may be in flight together, over all documents (a
    server's ``--jobs``): a document's questions are then asked side by side.
    """

    backend: Backend
    types: tuple[str, ...] = ALL_TYPES
    strict: bool = False
    triage: bool = TRIAGE
    window_chars: int = splitting.WINDOW_CHARS
    calls: int = 1
    _recorder: RecordingBackend = field(init=False, repr=False)

    @classmethod
    def from_settings(
        cls,
        settings: Settings | None = None,
        *,
        store_mode: StoreMode = "cache",
        types: str | Sequence[str] | None = None,
        strict: bool = False,
        triage: bool = TRIAGE,
        window_chars: int = splitting.WINDOW_CHARS,
    ) -> Extractor:
        """Build an extractor from settings (default: ``Settings.from_env()``) and a store mode."""
        settings = settings or Settings.from_env()
        store = None if store_mode == "off" else ExchangeStore(settings.store_dir)
        backend = RecordingBackend(create_backend(settings), store, store_mode)
        return cls(backend, parse_types(types), strict, triage, window_chars, calls=settings.workers)

    def __post_init__(self) -> None:
        self.types = parse_types(self.types)
        if self.window_chars <= splitting.overlap_for(self.window_chars):
            raise ConfigError(f"window of {self.window_chars} characters is too small")
        if self.calls < 1:
            raise ConfigError(f"calls in flight must be at least 1, not {self.calls}")
        self._recorder = (
            self.backend if isinstance(self.backend, RecordingBackend) else RecordingBackend(self.backend, None)
        )
        self._recorder.in_flight = threading.BoundedSemaphore(self.calls)  # a slot for each request out

    def extract_document(self, doc: Document, *, published: date | None = None) -> Record:
        """Run every requested fact type over one document (thread-safe: documents may run side by side)."""
        with self._recorder.tally() as tally:  # this document's calls only, whatever runs beside it
            return self._extract_document(doc, published, tally)

    def _extract_document(self, doc: Document, published: date | None, tally: Tally) -> Record:
        started = time.perf_counter()
        unasked = spotting.unasked(doc.text)
        if self.triage or any(spotting.spot(doc.text, t) for t in self.types if t not in unasked):
            self._recorder.warm()  # the weights load while the text is read; a text that asks nothing loads nothing
        published = published or find_publication_date(doc.text)
        warnings: list[Notice] = list(doc.warnings)  # what decoding changed (bytes that were not UTF-8)
        language = detect_language(doc.text)
        facts: list[Fact] = []
        calls: list[str | None] = []  # one per extraction call: None, or why its answer stayed invalid
        for start, end in splitting.windows(doc.text, self.window_chars, splitting.overlap_for(self.window_chars)):
            facts.extend(self._extract_window(start, doc.text[start:end], doc.text, published, unasked, warnings, calls))
        facts = full_named(founded_named(retyped(drop_recalled(facts, published))), doc.text)
        facts = sorted(drop_unmarked(merge_duplicates(facts), doc.text), key=_first_mention)
        home = home_country(language) if facts else None
        facts = officers_told(leader_told(split_listed(drop_restated(merge_mentions(facts))), doc.text), doc.text)
        facts = with_outcomes(drop_nobody([_settled(countries_said(f, doc.text, home), published, home) for f in facts]))
        translated = 0
        if language and language != "en":
            facts, translated = translating.translate(facts, language, partial(self._english, language, warnings))
        used = tally.usage
        failed = [reason for reason in calls if reason]
        if failed and len(failed) == len(calls):
            raise ModelAnswerError(f"no valid answer in {len(calls)} call(s): {failed[0]}")
        warnings += tally.warnings  # e.g. the answer store could not be written
        return Record(
            source=doc.source,
            sha256=doc.sha256,
            language=language,
            model=self._recorder.name,
            prompt_version=prompting.prompt_version(),
            types=list(self.types),
            publication_date=published.isoformat() if published else None,
            facts=facts,
            warnings=list(dict.fromkeys(w if isinstance(w, str) else w.told(facts) for w in warnings)),  # merged: once
            stats=Stats(
                seconds=round(time.perf_counter() - started, 2),
                model_calls=used.calls,
                cached_calls=used.cached,
                failed_calls=len(failed),
                translated=translated,
                prompt_tokens=used.prompt_tokens,
                completion_tokens=used.completion_tokens,
            ),
        )

    def _extract_window(
        self,
        offset: int,
        part: str,
        text: str,
        published: date | None,
        unasked: frozenset[str],
        warnings: list[Notice],
        calls: list[str | None],
    ) -> list[Fact]:
        """The facts stated in ``part`` of ``text`` (at ``offset``), grounded in the whole text; ``unasked``
        types are not asked.

        Each extraction call appends to ``calls`` None, or the reason its answer stayed invalid (then
        also a warning): the document keeps the other calls' facts.
        """
        questions = [
            (fact_type, sentences)
            for fact_type in (self._stated_types(part, warnings) if self.triage else self.types)
            if fact_type not in unasked
            for sentences in self._questions(part, fact_type)
        ]
        facts: list[Fact] = []
        for asked in self._answers(part, text, questions, published):
            facts += self._took(asked, warnings, calls)
        asked_types = tuple(dict.fromkeys(fact_type for fact_type, _ in questions))
        for fact_type in asked_types:
            facts += self._relooked(offset, part, text, fact_type, asked_types, facts, published, warnings, calls)
        return facts

    @staticmethod
    def _took(asked: Asked, warnings: list[Notice], calls: list[str | None]) -> list[Fact]:
        """``asked``'s facts, its warnings and its outcome noted."""
        warnings += asked.warnings
        calls.append(asked.failure)
        return asked.facts

    def _relooked(
        self, offset: int, part: str, text: str, fact_type: str, types: tuple[str, ...], facts: list[Fact],
        published: date | None, warnings: list[Notice], calls: list[str | None],
    ) -> list[Fact]:
        """The ``fact_type`` facts a list in ``part`` names beyond ``facts``: asked again, on the clauses
        of the names no evidence covers (``spotting.unreported``), while that finds one.

        Only facts quoting an asked clause are kept: one quoting elsewhere is one already reported.
        """
        found: list[Fact] = []
        for _ in range(MAX_RELOOKS):
            told = [(e.start - offset, e.end - offset) for f in facts + found for e in f.evidence if e.start is not None]
            clauses = spotting.unreported(part, fact_type, told, types)[: spotting.PER_QUESTION]
            if not clauses:
                break
            asked = self._ask(part, text, fact_type, [part[start:end] for start, end in clauses], published)
            new = [f for f in self._took(asked, warnings, calls) if any(
                e.start is not None and e.start - offset < end and start < e.end - offset
                for e in f.evidence for start, end in clauses)]
            if not new:
                break
            found += new
        return found

    def _questions(self, part: str, fact_type: str) -> list[list[str]]:
        """The spotted sentences of each question on ``fact_type``: none when the type has no word
        in ``part`` (one question with no sentences under triage, which has already said it is stated)."""
        groups = spotting.groups(spotting.spot(part, fact_type))
        return groups or ([[]] if self.triage else [])

    def _answers(
        self, part: str, text: str, questions: list[tuple[str, list[str]]], published: date | None
    ) -> list[Asked]:
        """Each question's answer, in order: one after another, or side by side when ``calls`` allows.

        A document's questions are independent; asked together, a one-file run on a
        server waits for its slowest call, not for the sum. Each request takes a slot of the
        extractor's ``calls`` while it is out, so documents running beside it share the bound.
        """
        if self.calls == 1 or len(questions) < 2:
            return [self._asked(part, text, fact_type, sentences, published) for fact_type, sentences in questions]
        jobs = min(self.calls, len(questions))
        batch = Batch(lambda q: self._on_thread(part, text, q, published), questions, jobs=jobs)
        with self._recorder.waiting():  # this document's turn goes to the others while its questions run
            answered = [asked for _, asked in batch]
        for asked in answered:
            self._recorder.absorb(asked.tally)
        return answered

    def _on_thread(self, part: str, text: str, question: tuple[str, list[str]], published: date | None) -> Asked:
        """One question asked on a thread of its own, its calls counted apart (then absorbed)."""
        with self._recorder.tally() as tally:
            return replace(self._asked(part, text, *question, published), tally=tally)

    def _call(self, messages: list[dict[str, str]], answer_model: type[T], published: date | None = None) -> T:
        """One request to the model, which waits for one of the extractor's ``calls`` slots while it is
        out (``RecordingBackend.in_flight``), so requests in flight stay bounded over every document and
        every question, triage and translation included; an answer from the store takes none."""
        return calling.ask(self._recorder, messages, answer_model, published=published)

    def _asked(
        self, part: str, text: str, fact_type: str, sentences: list[str], published: date | None
    ) -> Asked:
        """``_ask``, and when the model answered nothing at all (no fact, none dropped, no warning) though
        sentences shown state one, those sentences asked again alone.

        Shown a whole article, the small model sometimes answers nothing for a fact a
        sentence states outright ("joined forces to launch a trade association, Film Export
        U.K."); shown that sentence alone, it reports it. One more call, only then, and only
        when those sentences are a small part of what it was shown (``_SMALL_PART``): shown
        little more than them, it has already answered them.
        """
        asked = self._ask(part, text, fact_type, sentences, published)
        if asked.facts or asked.warnings:
            return asked
        stating = [s for s in sentences if spotting.states(s, fact_type)]
        if not stating or len(" ".join(stating)) * _SMALL_PART > len(part):
            return asked
        again = self._ask(" ".join(stating), text, fact_type, stating, published)
        return Asked(again.facts, asked.warnings + again.warnings)

    def _ask(
        self, part: str, text: str, fact_type: str, sentences: list[str], published: date | None
    ) -> Asked:
        """The facts of one question: ``fact_type`` in ``part``, pointed at ``sentences``, grounded in ``text``.

        An answer that stayed invalid is its ``failure`` (and a warning): the document
        keeps the other questions' facts.
        """
        warnings: list[Notice] = []
        try:
            answer = self._call(
                prompting.messages(part, fact_type, sentences), prompting.answer_model_for(fact_type, sentences), published
            )
        except CutOffAnswer as err:  # the facts before the cut are kept; the answer is not lost
            answer = err.partial
            warnings.append(f"{fact_type}: {err}")
        except ModelAnswerError as err:
            failure = f"{fact_type}: {err}"
            return Asked([], [failure], failure)
        facts: list[Fact] = []
        for draft in answer.facts:  # type: ignore[attr-defined]
            fact, problems = ground(fact_type, draft, text, published)
            fact = shown_quoted(fact, sentences, text)
            warnings.extend(problems)
            if fact.grounded or not self.strict:
                facts.append(fact)
        return Asked(facts, warnings)

    def _english(self, language: str, warnings: list[Notice], phrases: list[str]) -> list[str]:
        """``phrases`` (in ``language``) in English; as written, with a warning, when the answer stays invalid."""
        try:
            answer = self._call(prompting.translation_messages(phrases, language), prompting.translation_model(len(phrases)))
        except ModelAnswerError as err:
            warnings.append(f"translation: {err}; {len(phrases)} phrase(s) left in the article's language")
            return phrases
        return list(answer.english)  # type: ignore[attr-defined]

    def _stated_types(self, text: str, warnings: list[Notice]) -> tuple[str, ...]:
        """The requested types the text states, by one short first call.

        A type counts only when the sentence the model quotes for it is really in
        the text. This is what keeps the per-type calls from inventing facts of a
        type the text does not hold, and makes a text with no facts cost one call.
        If the answer is unusable, every requested type is asked for (not counted as a
        failed call: nothing is lost); a failing server fails the document (BackendError).
        """
        try:
            answer = self._call(prompting.triage_messages(text), prompting.triage_model())
        except ModelAnswerError as err:
            warnings.append(f"triage: {err}; asking for every type")
            return self.types
        stated = {m.type for m in answer.mentions if locate(m.quote, text)}  # type: ignore[attr-defined]
        return tuple(t for t in self.types if t in stated)

    def extract(self, text: str, *, source: str = "<text>", published: date | None = None) -> Record:
        """Extract from a string (the text's UTF-8 bytes give the record's sha256)."""
        return self.extract_document(decode(text.encode("utf-8"), source), published=published)

    def extract_paths(
        self,
        paths: Iterable[str],
        *,
        published: date | None = None,
        skip: Callable[[Document], bool] | None = None,
        jobs: int = 1,
        ordered: bool = True,
    ) -> Batch[str, Result]:
        """Extract from files ("-" is stdin), yielding each path with its record or its error.

        One bad input never stops the batch: its error is yielded in its place.
        ``skip`` sees each document once read (its sha256 known) and before any
        model call; a resumed run uses it to pass over documents already done.
        ``jobs`` documents run side by side (threads, see ``batching``), yielded in the
        order of ``paths`` or, not ``ordered``, as each finishes; after an interruption,
        ``finished()`` on the result hands over those done and not yet yielded.
        """
        return Batch(partial(self._extract_path, published=published, skip=skip), paths, jobs=jobs, ordered=ordered)

    def _extract_path(self, path: str, *, published: date | None, skip: Callable[[Document], bool] | None) -> Result:
        try:
            doc = read_stdin() if path == "-" else read_path(path)
            if skip is not None and skip(doc):
                return Skipped(path)
            return self.extract_document(doc, published=published)
        except (InputError, BackendError, ModelAnswerError) as err:
            return err


@cache
def keep_tables() -> None:
    """Put what the process holds after its first document out of the garbage collector's sight, once.

    For applications that own their process (the CLI, a Ray worker), not for a library
    call: the tables built on first use (GeoNames cities, word frequencies, the language
    model, date parsers, answer schemas) live as long as the process, and the collector
    walked all of them again and again: a fifth of the client's CPU with 32 documents in
    flight (py-spy), half of that gone after this.
    """
    gc.freeze()


def _settled(fact: Fact, published: date | None, home: str | None) -> Fact:
    """One merged fact with what the program reads better than the model put right: an agreement's
    kind and status from its words, a visit's leader (and its guest when the leader is its host), days,
    destination and direction from its quotes, its title."""
    return titled(hosted(turned(bound(dated(received(led(worded(fact))), published)), home)))


def _first_mention(fact: Fact) -> tuple[int, int]:
    """Order facts by where their evidence first appears; ungrounded ones last."""
    starts = [e.start for e in fact.evidence if e.start is not None]
    return (0, min(starts)) if starts else (1, 0)
