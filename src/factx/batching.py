"""Documents in flight together: a bounded pool of threads, results in input order or as they finish.

Threads, because a document spends its time waiting for a model server, and Python lets
others run while one waits. Bounded, because at most ``WINDOW_PER_JOB × jobs`` inputs are in
flight at once (running, waiting for a thread, or finished behind a slower one), so 10,000
inputs never pile up records in memory, and the results come back in input order through
that window (a reorder buffer). Daemon threads, because after Ctrl-C the documents still
waiting for a server are abandoned (a re-run does them) and the process must not wait for
their answers, which can take the timeout times the retries.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from itertools import islice
from queue import SimpleQueue
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Inputs in flight per thread: enough that a slow document at the head of the order
#: does not leave the threads idle, few enough to keep memory flat.
WINDOW_PER_JOB = 4


class Batch(Generic[T, R]):
    """``work(item)`` for each item on ``jobs`` threads; iterating gives ``(item, result)`` pairs.

    In input order, or as each finishes when ``ordered`` is false. With one job the work
    runs in the calling thread (the embedded model stays in the main thread). ``work``
    returns failures as values; an exception it raises is a bug and is raised again here.
    """

    def __init__(self, work: Callable[[T], R], items: Iterable[T], *, jobs: int = 1, ordered: bool = True) -> None:
        self._work, self._items, self.jobs, self.ordered = work, iter(items), jobs, ordered
        self._in_flight: dict[Future[R], T] = {}  # in input order
        self._tasks: SimpleQueue[tuple[Future[R], T] | None] = SimpleQueue()
        self._results: Iterator[tuple[T, R]] | None = None
        self._threads = 0

    def __iter__(self) -> Batch[T, R]:
        return self

    def __next__(self) -> tuple[T, R]:
        if self._results is None:
            self._results = ((item, self._work(item)) for item in self._items) if self.jobs == 1 else self._run()
        return next(self._results)

    def finished(self) -> list[tuple[T, R]]:
        """After an interruption: the results finished but not yet handed over, in input order; nothing more starts."""
        self._stop()
        return [(item, future.result()) for future, item in self._in_flight.items()
                if future.done() and not future.cancelled() and future.exception() is None]

    def _run(self) -> Iterator[tuple[T, R]]:
        for _ in range(self.jobs):
            threading.Thread(target=self._serve, name="factx-job", daemon=True).start()
        self._threads = self.jobs
        try:
            self._fill()
            while self._in_flight:
                for future in self._ready():
                    item = self._in_flight.pop(future)
                    self._fill()  # the threads keep busy while the caller takes this result
                    yield item, future.result()
        finally:
            self._stop()

    def _ready(self) -> list[Future[R]]:
        """The first future in input order once it is done; unordered, every one done, as soon as one is."""
        if self.ordered:
            first = next(iter(self._in_flight))
            wait([first])
            return [first]
        done, _running = wait(self._in_flight, return_when=FIRST_COMPLETED)
        return [future for future in self._in_flight if future in done]

    def _fill(self) -> None:
        for item in islice(self._items, WINDOW_PER_JOB * self.jobs - len(self._in_flight)):
            future: Future[R] = Future()
            self._in_flight[future] = item
            self._tasks.put((future, item))

    def _serve(self) -> None:
        """One thread: take the next input, unless it was cancelled, until told to stop."""
        while (task := self._tasks.get()) is not None:
            future, item = task
            if future.set_running_or_notify_cancel():
                try:
                    future.set_result(self._work(item))
                except BaseException as err:  # handed to the caller, who raises it
                    future.set_exception(err)

    def _stop(self) -> None:
        """Start nothing more: cancel what no thread has begun, and let the threads end."""
        for future in self._in_flight:
            future.cancel()  # only those not yet running
        for _ in range(self._threads):
            self._tasks.put(None)
        self._threads = 0
