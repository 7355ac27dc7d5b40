from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.drills_calendar.platform_server import PlatformServer, serve


@pytest.fixture
def platform() -> Iterator[PlatformServer]:
    yield from serve()
