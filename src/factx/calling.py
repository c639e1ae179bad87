"""Call the model: one structured request, validated and retried by instructor.

instructor drives the backend in its ``JSON_SCHEMA`` mode, which leaves the
messages untouched (so the KV-cache prefix survives) and sends the answer
schema as ``response_format``; each backend turns that into the form that
really constrains its server. When an answer fails validation, instructor
appends the error and asks again, which on llama.cpp costs only the new turn.
An answer is stored (``RecordingBackend.commit``) only once it validated.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, TypeVar

from pydantic import BaseModel

from factx.backends.base import Backend
from factx.errors import BackendError, CutOffAnswer, ModelAnswerError, one_line
from factx.models import published_on
from factx.recording import RecordingBackend

# instructor logs each failed attempt at ERROR level; without a handler Python
# prints them on stderr. Our own one-line errors and warnings say it better.
logging.getLogger("instructor").addHandler(logging.NullHandler())

T = TypeVar("T", bound=BaseModel)

#: Sampling that makes answers repeatable, and so recordable.
SAMPLING: dict[str, Any] = {"temperature": 0.0, "seed": 0}
#: Output budget per call: enough for several facts in compact JSON.
MAX_TOKENS = 1500


def ask(
    backend: Backend,
    messages: list[dict[str, str]],
    answer_model: type[T],
    *,
    published: date | None = None,
    max_retries: int = 1,
) -> T:
    """Send one request and return the validated answer.

    Raises ModelAnswerError when the model's answer stays invalid, BackendError when the server fails.
    """
    instructor = _instructor()
    from instructor.core.exceptions import IncompleteOutputException, InstructorError

    create = instructor.patch(create=_control_characters_escaped(backend.create), mode=instructor.Mode.JSON_SCHEMA)
    try:
        with published_on(published):  # not instructor's context=, which templates the article
            answer = create(
                messages=messages,
                response_model=_instructed(answer_model),
                max_retries=max_retries,
                max_tokens=MAX_TOKENS,
                **SAMPLING,
            )
    except IncompleteOutputException as err:
        cut = f"answer cut off at the {MAX_TOKENS}-token limit"
        partial = _complete_part(err.last_completion, answer_model, published)
        if partial is None:
            raise ModelAnswerError(cut) from None
        if isinstance(backend, RecordingBackend):
            backend.commit()  # what is kept is valid, and the same request would be cut the same way
        kept = len(next(iter(partial.model_dump().values())))
        raise CutOffAnswer(f"{cut}; kept the {kept} complete item(s) before the cut", partial) from None
    except InstructorError as err:
        cause = _backend_error(err)
        if cause is not None:
            raise cause from None  # the server failed, not the answer: fail the document
        raise ModelAnswerError(f"invalid answer after {max_retries + 1} tries: {_why(err)}") from None
    if isinstance(backend, RecordingBackend):
        backend.commit()
    return answer


@cache
def _instructor() -> Any:
    """instructor, its check for async validators made once per response model, not on every request.

    instructor 1.17 walks the response model and every model nested in it, four times per
    request, for validators it cannot run: a sixth of the client's CPU per document at
    ``--jobs 32``. factx's answer models are made once (``_instructed``) and never change,
    so the first check of each is the check. A version without the function is left as it is.
    """
    import instructor
    from instructor.v2.validation import async_validators

    check = getattr(async_validators, "reject_async_validators", None)
    if check is None:
        return instructor
    checked: set[Any] = set()

    def once(model: Any) -> None:
        try:
            if model in checked:
                return
        except TypeError:  # unhashable: checked every time, as instructor does
            check(model)
            return
        check(model)
        checked.add(model)

    async_validators.reject_async_validators = once
    return instructor


@cache
def _instructed(answer_model: type[T]) -> type[T]:
    """``answer_model`` as instructor's response schema, made once.

    Given a plain model, instructor makes a new subclass on every call, so the schema
    ``prompting.Answer`` caches per class was built anew for every request, and kept:
    half the client's CPU per document.
    """
    return _instructor().response_schema(answer_model)


def _control_characters_escaped(create: Callable[..., Any]) -> Callable[..., Any]:
    """``create`` whose answers have raw tabs and line breaks inside JSON strings escaped.

    A quote copied from an article may hold a line break, and llama.cpp's grammar lets the
    model write it raw inside a JSON string, which strict JSON (pydantic's) refuses: the
    whole answer was lost for one character. Anything else invalid is left for the
    validator to report.
    """

    def escaped(**request: Any) -> Any:
        completion = create(**request)
        for choice in completion.choices:
            if choice.message.content:
                choice.message.content = _strict_json(choice.message.content)
        return completion

    return escaped


def _strict_json(text: str) -> str:
    try:
        json.loads(text)
    except ValueError:
        try:
            return json.dumps(json.loads(text, strict=False), ensure_ascii=False)
        except ValueError:
            return text  # cut off or broken: reported (or salvaged) as before
    return text


def _complete_part(completion: Any, answer_model: type[T], published: date | None) -> T | None:
    """The answer made of the complete, valid items before the cut, or None if there are none.

    Every answer model is one list (``facts`` or ``mentions``); a small model caught in a
    loop usually cuts the last item, while those before it are whole and often right.
    """
    from pydantic import ValidationError

    try:
        text = completion.choices[0].message.content or ""
    except (AttributeError, IndexError, TypeError):
        return None
    (name,) = answer_model.model_fields
    opening = text.find("[", text.find(f'"{name}"'))
    if opening < 0:
        return None
    decoder, kept, at = json.JSONDecoder(), [], opening + 1
    while True:
        at = len(text) - len(text[at:].lstrip(" \t\r\n,"))
        try:
            item, at = decoder.raw_decode(text, at)
        except json.JSONDecodeError:
            break
        try:
            answer_model.model_validate({name: [item]}, context={"published": published})
        except ValidationError:
            continue
        kept.append(item)
    return answer_model.model_validate({name: kept}, context={"published": published}) if kept else None


def _why(err: BaseException) -> str:
    """The last answer's first validation error as "field: message", short and on one line."""
    from pydantic import ValidationError

    cause = err.__cause__
    if not isinstance(cause, ValidationError):
        return one_line(str(err).strip().splitlines()[0][:200])
    first, *rest = cause.errors(include_url=False)
    where = ".".join(str(part) for part in first["loc"])
    text = f"{where}: {first['msg']}" if where else first["msg"]
    return one_line(text[:200]) + (f" (and {len(rest)} more)" if rest else "")


def _backend_error(err: BaseException) -> BackendError | None:
    """The BackendError instructor wrapped, if a backend failure caused ``err``."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, BackendError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None
