"""moto's JSON answers: lists of timestamps and numbers written in one pass.

moto's serializer handles every element of a list on its own (a wrapper dict, a path push and pop, a method
looked up by name, the timestamp format read from the shape again): a GetMetricData answer at 1,000 resources
carries ~40,000 timestamps and as many values, and that plumbing was most of the simulator's time for it.
Here a list whose members are timestamps, doubles or integers is converted with the same functions moto
uses, element by element, and stored as moto would store it; every other list takes moto's path.
"""

from __future__ import annotations

import threading
from typing import Any

_installed = False
_lock = threading.Lock()
_NUMBERS = {"double": float, "float": float, "integer": int, "long": int}
STOCK: dict[str, Any] = {}  # moto's own method, kept for the test that compares the two


def install() -> None:
    """Behaviour-neutral (the same answer), so it applies to every moto server in the process."""
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
        from moto.core.serialize import BaseJSONSerializer

        stock = STOCK["list"] = BaseJSONSerializer._serialize_type_list

        def serialize_list(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
            member = shape.member
            kind = member.type_name
            # A member with its own serialized name is stored differently by moto: leave those to it.
            if "name" not in member.serialization and isinstance(value, list):
                if kind == "timestamp":
                    timestamps = self._timestamp_serializer
                    fmt = member.serialization.get("timestampFormat", timestamps.default_format)
                    convert = timestamps._convert_timestamp_to_str
                    self._default_serialize(serialized, [convert(v, fmt) for v in value], shape, key)
                    return
                number = _NUMBERS.get(kind)
                if number is not None:
                    self._default_serialize(serialized, [number(v) for v in value], shape, key)
                    return
            stock(self, serialized, value, shape, key)

        BaseJSONSerializer._serialize_type_list = serialize_list  # type: ignore[method-assign]
