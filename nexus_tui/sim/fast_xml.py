"""moto's query-protocol answers (RDS, CloudWatch alarms, ...) and S3's written without xmltodict.

moto builds each answer as nested dicts and has xmltodict write them through a SAX generator, checking every
element name on the way: about a third of a DescribeDBInstances page of 100 instances. This writes the same
text directly for the dicts moto builds (strings, numbers, booleans, None, lists, "@attribute" and "#text"
keys); anything else (comments, namespace maps, bytes, unusual names) goes to xmltodict, so the output is
the same as stock moto's in every case (tests/unit/test_sim_fast_xml.py compares them).
"""

from __future__ import annotations

import re
import threading
from typing import Any
from xml.sax.saxutils import escape, quoteattr

# Names xmltodict accepts without complaint; anything else is left to it (it raises for the bad ones).
_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")
_known_names: set[str] = set()
PROLOG = '<?xml version="1.0" encoding="utf-8"?>\n'  # what xmltodict's SAX generator writes first
_installed = False
_lock = threading.Lock()


class Unsupported(Exception):
    """Input outside the subset written here: the caller uses xmltodict instead."""


def _name(name: object) -> str:
    if type(name) is not str:
        raise Unsupported
    if name not in _known_names:
        if not _PLAIN_NAME.fullmatch(name):
            raise Unsupported
        if len(_known_names) < 10_000:
            _known_names.add(name)
    return name


def _text(value: object) -> str:
    if type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes | bytearray | memoryview | dict | list | tuple | set):
        raise Unsupported
    return str(value)


def _emit(out: list[str], key: object, value: Any) -> None:
    name = _name(key)
    if isinstance(value, list | tuple):
        items = value
    elif isinstance(value, str | dict) or not hasattr(value, "__iter__"):
        items = (value,)
    else:  # bytes, sets, generators: xmltodict has its own rules for those
        raise Unsupported
    for item in items:
        cdata: str | None = None
        children: list[tuple[str, Any]] = []
        out.append("<" + name)
        if item is None:
            pass
        elif isinstance(item, dict):
            for k, v in item.items():
                if k == "#text":
                    cdata = None if v is None else _text(v)
                elif type(k) is str and k.startswith("@"):
                    if k == "@xmlns" and isinstance(v, dict):
                        raise Unsupported
                    out.append(" " + _name(k[1:]) + "=" + quoteattr("" if v is None else _text(v)))
                elif k == "#comment":
                    raise Unsupported
                elif not (isinstance(v, list) and not v):
                    children.append((k, v))
        else:
            cdata = _text(item)
        if not children and not cdata:
            out.append("/>")
            continue
        out.append(">")
        for k, v in children:
            _emit(out, k, v)
        if cdata:
            out.append(escape(cdata))
        out.append("</" + name + ">")


def unparse_fragment(body: dict[str, Any]) -> str:
    """xmltodict.unparse(body, full_document=False, short_empty_elements=True), or Unsupported."""
    out: list[str] = []
    for key, value in body.items():
        if key == "#comment":
            raise Unsupported
        _emit(out, key, value)
    return "".join(out)


def install() -> None:
    """Behaviour-neutral (same text), so it applies to every moto server in the process."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        from moto.core.serialize import BaseXMLSerializer

        stock = BaseXMLSerializer._serialize_body

        def serialize_body(self: BaseXMLSerializer, body: Any) -> str:
            if not self.pretty_print and isinstance(body, dict):
                try:
                    return unparse_fragment(body)
                except Unsupported:
                    pass
            return stock(self, body)

        BaseXMLSerializer._serialize_body = serialize_body  # type: ignore[method-assign]

        from moto.core.serialize import S3Serializer

        stock_s3 = S3Serializer._serialize_body

        def serialize_s3_body(self: S3Serializer, body: Any) -> str:
            # A whole document: xmltodict's prolog, then the one root (several roots, or a list at the top,
            # are xmltodict's to refuse).
            one_root = isinstance(body, dict) and len(body) == 1
            if one_root and not self.pretty_print and not isinstance(next(iter(body.values())), list | tuple):
                try:
                    return PROLOG + unparse_fragment(body)
                except Unsupported:
                    pass
            return str(stock_s3(self, body))

        S3Serializer._serialize_body = serialize_s3_body  # type: ignore[method-assign]
