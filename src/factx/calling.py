"""Call the model: one structured request, validated and retried by instructor.

instructor drives the backend in its ``JSON_SCHEMA`` mode, which leaves the
messages untouched (so the KV-cache prefix survives) and sends the answer
schema as ``response_format``; each backend turns that into the form that
really constrains its server. When an answer fails validation, instructor
appends the error and asks again, which on llama.cpp costs only the new turn.
An answer is stored (``RecordingBackend.commit``) only once it validated.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel

from factx.backends.base import Backend
from factx.errors import BackendError, ModelAnswerError, one_line
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
    import instructor
    from instructor.core.exceptions import IncompleteOutputException, InstructorError

    create = instructor.patch(create=backend.create, mode=instructor.Mode.JSON_SCHEMA)
    try:
        answer = create(
            messages=messages,
            response_model=answer_model,
            max_retries=max_retries,
            max_tokens=MAX_TOKENS,
            context={"published": published},
            **SAMPLING,
        )
    except IncompleteOutputException:
        raise ModelAnswerError(f"answer cut off at the {MAX_TOKENS}-token limit") from None
    except InstructorError as err:
        cause = _backend_error(err)
        if cause is not None:
            raise cause from None  # the server failed, not the answer: fail the document
        raise ModelAnswerError(f"invalid answer after {max_retries + 1} tries: {_why(err)}") from None
    if isinstance(backend, RecordingBackend):
        backend.commit()
    return answer


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
