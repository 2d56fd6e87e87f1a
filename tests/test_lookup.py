"""``ta_delivery.lookup``: a lost answer is looked up before a create is sent again; marks are found once."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ta_delivery.clock import FakeClock
from ta_delivery.errors import AuthError, Unavailable
from ta_delivery.http import HttpApi
from ta_delivery.plugin import CHECKED_ATTEMPTS, first_marked, send_checked


def _api(clock: FakeClock) -> HttpApi:
    client = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    return HttpApi(client, "acme", clock=clock)


class Sends:
    """A create that fails ``failures`` times, then answers; ``took`` says which failures took effect."""

    def __init__(self, failures: int, took: int | None = None) -> None:
        self.failures, self.took, self.sent, self.looked = failures, took, 0, 0

    def send(self) -> str:
        self.sent += 1
        if self.sent <= self.failures:
            raise Unavailable("502 from acme", provider="acme", status=502)
        return f"made-{self.sent}"

    def look(self) -> str | None:
        self.looked += 1
        return "found" if self.took is not None and self.sent >= self.took else None


def test_a_lost_answer_that_took_effect_is_found_not_sent_again() -> None:
    calls = Sends(failures=1, took=1)
    assert send_checked(
        calls.send, calls.look, what="creating", api=_api(FakeClock()), clock=FakeClock()
    ) == ("found")
    assert (calls.sent, calls.looked) == (1, 1)


def test_nothing_found_is_sent_again_after_the_backoff() -> None:
    clock = FakeClock()
    calls = Sends(failures=1)
    assert send_checked(calls.send, calls.look, what="creating", api=_api(clock), clock=clock) == "made-2"
    assert (calls.sent, calls.looked) == (2, 1)
    assert len(clock.slept) == 1


def test_a_persistent_failure_is_raised_after_the_last_attempt() -> None:
    calls = Sends(failures=99)
    with pytest.raises(Unavailable):
        send_checked(calls.send, calls.look, what="creating", api=_api(FakeClock()), clock=FakeClock())
    assert (calls.sent, calls.looked) == (CHECKED_ATTEMPTS, CHECKED_ATTEMPTS - 1)


def test_a_refusal_is_neither_looked_up_nor_sent_again() -> None:
    looked: list[int] = []

    def send() -> str:
        raise AuthError("no", provider="acme", status=401)

    with pytest.raises(AuthError):
        send_checked(
            send, lambda: looked.append(1), what="creating", api=_api(FakeClock()), clock=FakeClock()
        )
    assert looked == []


def _marked(item: Mapping[str, object], key: str) -> bool:
    return f"[{key}]" in str(item.get("agenda", ""))


@given(
    st.lists(st.sampled_from(["a", "b", "c", "d"]), max_size=12),
    st.lists(st.sampled_from(["a", "b", "c", "e"]), max_size=4),
)
def test_each_key_gets_the_first_listed_item_carrying_its_mark(marks: list[str], keys: list[str]) -> None:
    listing = [{"id": i, "agenda": f"[{m}]"} for i, m in enumerate(marks)]
    found = first_marked(listing, keys, _marked, stop_early=False)
    assert found == {k: listing[marks.index(k)] for k in keys if k in marks}
    assert first_marked(listing, keys, _marked) == found


def test_stop_early_leaves_the_listing_once_every_key_is_found() -> None:
    read: list[int] = []

    def listing() -> Iterator[Mapping[str, object]]:
        for i, mark in enumerate(["a", "b", "a", "c"]):
            read.append(i)
            yield {"id": i, "agenda": f"[{mark}]"}

    assert set(first_marked(listing(), ["a", "b"], _marked)) == {"a", "b"}
    assert read == [0, 1]


def test_expand_is_asked_only_for_unmatched_items_and_gone_items_are_skipped() -> None:
    full = {1: {"id": 1, "agenda": "long text [b]"}}
    asked: list[object] = []

    def expand(item: Mapping[str, object]) -> Mapping[str, object] | None:
        asked.append(item["id"])
        return full.get(int(str(item["id"])))

    listing: list[Mapping[str, object]] = [
        {"id": 0, "agenda": "[a]"},
        {"id": 1, "agenda": "long text"},
        {"id": 2, "agenda": "x"},
    ]
    found = first_marked(listing, ["a", "b"], _marked, expand=expand, stop_early=False)
    assert found == {"a": listing[0], "b": full[1]}
    assert asked == [1, 2]


def test_the_example_in_writing_a_plugin_runs() -> None:
    text = (Path(__file__).parents[1] / "docs" / "writing-a-plugin.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(from ta_delivery.plugin import first_marked\n.*?)```", text, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "writing-a-plugin.md", "exec"), {})
