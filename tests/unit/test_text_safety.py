from hypothesis import given
from hypothesis import strategies as st

from nexus_tui.domain.text import printable, printable_line


def test_escape_sequences_are_removed_whole():
    assert printable("a\x1b[2Jb") == "ab"
    assert printable("x\x1b]0;pwned\x07y") == "xy"
    assert printable("x\x1b]8;;http://e\x1b\\y") == "xy"


def test_other_controls_become_visible_marks():
    assert printable("a\x00b") == "a\u2400b"
    assert printable("a\x07b") == "a\u2407b"
    assert printable("a\x9bb") == "a\\x9bb"


def test_bidi_overrides_are_dropped():
    assert printable("rm \u202etxt.exe") == "rm txt.exe"


def test_newlines_kept_or_folded():
    assert printable("a\nb") == "a\nb"
    assert "\n" not in printable_line("a\nb\r\nc")
    assert printable_line("abcdef", limit=4) == "abc…"


@given(st.text())
def test_never_leaves_a_control_character(text):
    out = printable(text)
    assert not any((ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in out)
    assert "\x1b" not in out
