"""Cache keys for lru_cache: `Same` by identity, `Keyed` by its key, built once."""

from __future__ import annotations

import functools

import pytest

from survey.caching import Keyed, Same, built


def test_same_is_equal_only_for_the_very_same_object():
    one, equal = {"a": 1}, {"a": 1}
    assert Same(one) == Same(one)
    assert Same(one) != Same(equal)
    assert hash(Same(one)) == hash(Same(one))


def test_a_keyed_value_is_built_once_and_its_builder_let_go():
    calls = []

    @functools.lru_cache(maxsize=4)
    def cached(keyed: Keyed) -> str:
        return built(keyed)

    def build() -> str:
        calls.append(1)
        return "value"

    first = Keyed("k", build)
    assert cached(first) == "value"
    assert cached(Keyed("k", build)) == "value"
    assert calls == [1]
    assert first.build is None  # the key the cache keeps holds the key alone
    with pytest.raises(LookupError):
        built(first)
