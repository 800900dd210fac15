"""Keys for `functools.lru_cache` where the cached things are not plain values.

- `Same(thing)`: equal only to a key of the very same object (a question or a relevance
  tree of a questionnaire version, which equal-looking ones need not be).
- `Keyed(key, build)`: equal by `key` alone, carrying how to build the value on a miss;
  `built(keyed)` calls it once and drops it, so the key the cache keeps holds `key`
  alone (not the session or request the builder closed over).

Nothing here may hold a respondent's answers: they never stay in the process after
the request (see docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any


class Same:
    """A key equal to another only for the very same object."""

    __slots__ = ("thing",)

    def __init__(self, thing: Any) -> None:
        self.thing = thing

    def __hash__(self) -> int:
        return id(self.thing)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.thing is self.thing


class Keyed:
    """A key equal by `key` alone that carries how to build its value."""

    __slots__ = ("build", "key")

    def __init__(self, key: Hashable, build: Callable[[], Any]) -> None:
        self.key: Hashable = key
        self.build: Callable[[], Any] | None = build

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Keyed) and other.key == self.key


def built(keyed: Keyed) -> Any:
    """Build `keyed`'s value (inside an lru_cache'd function, on a miss) and drop the builder."""
    build, keyed.build = keyed.build, None
    if build is None:
        raise LookupError(f"{keyed.key!r}: built already")
    return build()
