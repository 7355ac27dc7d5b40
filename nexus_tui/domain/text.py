"""Making user-supplied text safe to show: runbook titles, notes, reasons, API answers and pasted text reach
a terminal, where an escape sequence could clear the screen, retitle the window or hide what follows, and a
bidi override could make a command read differently from what it is. Every front end passes such text
through `printable` (or `printable_line` for one-line places) before it renders it."""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab/newline, DEL, C1 controls (incl. the 8-bit CSI/OSC introducers).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidi embeddings/overrides/isolates and other invisible format characters that reorder or hide text.
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
# A whole escape sequence (CSI ... final byte, OSC ... BEL/ST, or ESC + one char) goes, not just its ESC.
_ESCAPE_SEQ = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with escape sequences removed and other control/bidi characters shown as U+FFFD-free visible
    marks: `\\x1b` -> `␛`, NUL -> `␀` (Control Pictures), so an operator sees that something was there."""
    if not text:
        return text
    out = _ESCAPE_SEQ.sub("", text)
    out = _BIDI.sub("", out)

    def picture(m: re.Match[str]) -> str:
        c = m.group(0)
        code = ord(c)
        if code < 0x20:
            return chr(0x2400 + code)
        if code == 0x7F:
            return "\u2421"
        return f"\\x{code:02x}"

    if not keep_newlines:
        out = out.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    out = _CONTROL.sub(picture, out)
    if "\r" in out:
        out = out.replace("\r", "\u240d")
    return out


def printable_line(text: str, limit: int | None = None) -> str:
    """One line: newlines folded into spaces, then `printable`; cut to `limit` characters with an ellipsis."""
    out = printable(" ".join(str(text).split("\n")), keep_newlines=False)
    if limit is not None and len(out) > limit:
        out = out[: max(limit - 1, 0)] + "…"
    return out


def is_printable(text: str) -> bool:
    return printable(text) == text and all(unicodedata.category(c) != "Cf" or c == "\u200d" for c in text)
