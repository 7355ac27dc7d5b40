"""Bracketed paste that stays text: Textual's parser (textual._xterm_parser, as of 8.2) still turns an ESC
inside a bracketed paste into key events (ESC ESC -> `escape`, ESC + letters -> `^`, `q`, `d` ...), so a
pasted terminal log closed the open modal and fired hotkeys with the rest. `PasteSafeParser` hands the
parser every ESC between the paste markers as a visible `␛` (U+241B, what domain.text.printable shows for
ESC anyway), so the paste arrives as one events.Paste and nothing in it acts.

Install once at start-up, before the app runs: `nexus_tui.ui.paste.install()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual._xterm_parser import XTermParser

START, END = "\x1b[200~", "\x1b[201~"
ESC, SHOWN_ESC = "\x1b", "\u241b"


def _partial(text: str, marker: str, start: int) -> int:
    """Where a proper prefix of `marker` ending `text` begins (len(text) when there is none)."""
    for k in range(max(start, len(text) - len(marker) + 1), len(text)):
        if marker.startswith(text[k:]):
            return k
    return len(text)


class PasteSafeParser(XTermParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pasting = False
        self._carry = ""  # a possible end marker split across reads, inside a paste
        self._tail = ""  # a possible start marker split across reads, outside a paste (already passed on)

    def feed(self, data: str) -> Iterable[Any]:
        if data:
            data = self.neutralize(data)
        return super().feed(data)

    def neutralize(self, data: str) -> str:
        out: list[str] = []
        i = 0
        if not self._pasting and self._tail:
            rest = START[len(self._tail) :]
            if data.startswith(rest):
                out.append(rest)
                i, self._pasting = len(rest), True
            self._tail = ""
        text = self._carry + data if self._pasting else data
        if self._pasting and self._carry:
            i = 0
        self._carry = ""
        while i < len(text):
            if not self._pasting:
                j = text.find(START, i)
                if j < 0:
                    out.append(text[i:])  # a lone ESC at the end is a key press: never hold it back
                    self._tail = text[_partial(text, START, i) :]
                    break
                out.append(text[i : j + len(START)])
                i, self._pasting = j + len(START), True
            else:
                j = text.find(END, i)
                if j < 0:
                    k = _partial(text, END, i)
                    out.append(text[i:k].replace(ESC, SHOWN_ESC))
                    self._carry = text[k:]
                    break
                out.append(text[i:j].replace(ESC, SHOWN_ESC) + END)
                i, self._pasting = j + len(END), False
        return "".join(out)


def install() -> None:
    """Make Textual's terminal drivers parse input with PasteSafeParser (they look the class up at run time)."""
    import textual.drivers.linux_driver as linux

    linux.XTermParser = PasteSafeParser  # type: ignore[misc]
    try:
        import textual.drivers.linux_inline_driver as inline

        inline.XTermParser = PasteSafeParser  # type: ignore[misc]
    except ImportError:  # pragma: no cover - not on every platform
        pass
