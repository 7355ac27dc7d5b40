"""A bracketed paste with ESC in it is one Paste event, never key presses (Textual's parser alone emits
`escape`, `q`, `d` ... for it)."""

from __future__ import annotations

from textual import events

from nexus_tui.ui.paste import PasteSafeParser

HOSTILE = "\x1b[200~note \x1b\x1bqd text \x1b[2J end\x1b[201~"


def _events(*chunks: str) -> list[object]:
    parser = PasteSafeParser()
    out: list[object] = []
    for chunk in chunks:
        out.extend(parser.feed(chunk))
    return out


def test_a_paste_with_escapes_is_one_paste_event() -> None:
    got = _events(HOSTILE)
    assert [type(e) for e in got] == [events.Paste]
    assert got[0].text == "note ␛␛qd text ␛[2J end"  # type: ignore[attr-defined]


def test_markers_split_across_reads_still_work() -> None:
    for cut in range(1, len(HOSTILE)):
        got = _events(HOSTILE[:cut], HOSTILE[cut:])
        assert [type(e) for e in got] == [events.Paste], cut
        assert got[0].text == "note ␛␛qd text ␛[2J end"  # type: ignore[attr-defined]


def test_keys_outside_a_paste_are_untouched() -> None:
    got = _events("a", "\x1b[A", HOSTILE, "q")
    keys = [e.key for e in got if isinstance(e, events.Key)]  # type: ignore[attr-defined]
    assert keys == ["a", "up", "q"] and sum(isinstance(e, events.Paste) for e in got) == 1
