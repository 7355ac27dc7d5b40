"""Health and probe URLs as they may be shown: a [[health]] url can carry credentials
(`http://user:PW@host/health?token=T`), and what a source puts in a snapshot reaches the screen, `status
--json`, the journal and logs. `mask_url` keeps what tells endpoints apart (scheme, host, port, path, the
user name and the query's keys) and masks every secret-bearing part.

Pure string work on purpose: it must also mask what urllib refuses to parse (`http://[::1`), since a bad
URL is exactly the one an error message would quote.
"""

from __future__ import annotations

import re

MASK = "***"
_AUTHORITY = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*:)?(?P<slashes>//)(?P<authority>[^/?#]*)")


def _mask_userinfo(authority: str) -> str:
    userinfo, at, host = authority.rpartition("@")
    if not at:
        return authority
    user, colon, _password = userinfo.partition(":")
    # A bare userinfo (https://TOKEN@host) is usually a token itself: mask it whole.
    return f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"


def _mask_query(query: str) -> str:
    parts = []
    for item in query.split("&"):
        key, eq, _value = item.partition("=")
        parts.append(f"{key}={MASK}" if eq else (MASK if item else item))
    return "&".join(parts)


def mask_url(url: str) -> str:
    """`http://user:***@host/health?token=***`: user info and query values masked, fragment dropped to
    `#***`; the rest as given. Idempotent."""
    text = str(url)
    rest_start = 0
    head = ""
    if m := _AUTHORITY.match(text):
        head = f"{m.group('scheme') or ''}//{_mask_userinfo(m.group('authority'))}"
        rest_start = m.end()
    rest = text[rest_start:]
    rest, hash_, fragment = rest.partition("#")
    path, q, query = rest.partition("?")
    out = head + path
    if q:
        out += "?" + _mask_query(query)
    if hash_:
        out += "#" + (MASK if fragment else "")
    return out


def mask_in(text: str, url: str) -> str:
    """`text` (an error message, say) with every copy of `url` in it masked."""
    return text.replace(url, mask_url(url)) if url and url in text else text
