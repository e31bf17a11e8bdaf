"""Every in-process memo of the site, in one place: what it keeps and what makes it stale.

A memo keeps, in one worker's memory, an answer that costs more to work out than to keep:
a page path pattern, a query compiled to SQL, a static file's hashed name. Each is
declared with ``Memo`` (a bounded table) or ``memoized`` (a function's answers), and says
in ``stale_when`` what would make its answers wrong.

One invalidation story for all of them: they are emptied together, by ``forget_all``,

- whenever the page cache starts a generation in this worker or sees that another worker
  started one (``articles.caching.pagecache``: any change to what readers see), and
- whenever a setting changes (the test suite's ``override_settings``).

Only one holds content that a save could make wrong, the masthead (sections, the
masthead-and-footer row, breaking articles: ``articles.reading.masthead``), and every
such save starts a generation; for the others, emptying them on every change is more
than correctness needs. It is cheap (each answer is worked out again once per worker),
and it means nobody has to reason about one memo's own rules.
"""

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from django.core.signals import setting_changed

_MISSING = object()
MEMOS: list["Memo"] = []


class Memo:
    """A bounded table of answers, forgotten with every other memo (``forget_all``).

    The least recently used answer goes first once ``max_size`` are kept. Safe to share
    between a worker's threads.
    """

    def __init__(self, name: str, *, stale_when: str, max_size: int = 1024):
        self.name = name
        self.stale_when = stale_when
        self.max_size = max_size
        self._answers: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        MEMOS.append(self)

    def __repr__(self) -> str:
        return f"<Memo {self.name}: {len(self._answers)} kept>"

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: Hashable, default=None):
        answer = self._answers.get(key, _MISSING)
        return default if answer is _MISSING else answer

    def set(self, key: Hashable, answer) -> None:
        with self._lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > self.max_size:
                self._answers.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], object]):
        """Return the answer kept for ``key``, made by ``make()`` the first time."""
        answer = self._answers.get(key, _MISSING)
        if answer is _MISSING:
            answer = make()
            self.set(key, answer)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


class _MemoizedFunction(Memo):
    def __init__(self, function: Callable, *, stale_when: str, max_size: int):
        super().__init__(
            f"{function.__module__}.{function.__qualname__}",
            stale_when=stale_when,
            max_size=max_size,
        )
        self.cached = functools.lru_cache(maxsize=max_size)(function)

    def __len__(self) -> int:
        return self.cached.cache_info().currsize

    def clear(self) -> None:
        self.cached.cache_clear()


def memoized(*, stale_when: str, max_size: int = 1024) -> Callable[[Callable], Callable]:
    """Keep a function's answers by its (hashable) arguments, as a memo of its own."""

    def decorator(function):
        memo = _MemoizedFunction(function, stale_when=stale_when, max_size=max_size)
        return functools.wraps(function)(memo.cached)

    return decorator


def forget_all(**kwargs) -> None:
    """Empty every memo of this worker."""
    for memo in MEMOS:
        memo.clear()


setting_changed.connect(forget_all, dispatch_uid="articles.memos.forget_all")
