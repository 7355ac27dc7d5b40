from __future__ import annotations

from datetime import UTC, datetime, timedelta

from nexus_tui.domain.models import Datapoint
from nexus_tui.ui import format as fmt


def test_durations_read_at_a_glance() -> None:
    assert fmt.duration(0.4) == "0.4s"
    assert fmt.duration(42) == "42s"
    assert fmt.duration(940) == "15m 40s"
    assert fmt.duration(3600) == "1h"
    assert fmt.duration(90061) == "1d 1h"
    assert fmt.duration(None) == "—"
    assert fmt.short_age(190) == "3m"
    assert fmt.ago(None) == "never"


def test_sparkline_keeps_spikes_and_quiet_series_low() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    points = [Datapoint(t0 + timedelta(minutes=i), 0.2) for i in range(60)]
    assert fmt.sparkline(points, 10, floor_max=30) == "▁" * 10
    spiky = [*points[:-1], Datapoint(t0, 60.0)]
    line = fmt.sparkline(spiky, 10, floor_max=30)
    assert len(line) == 10 and line[-1] == "█"
    assert fmt.sparkline([], 10) == ""


def test_squeeze_keeps_both_ends_of_a_name() -> None:
    assert fmt.squeeze("securenexus-platform-557845624595", 15) == "securen…5624595"
    assert fmt.squeeze("short", 15) == "short"
    assert fmt.size(3.4 * 1024**2) == "3.4 MB"
    assert fmt.count(18400) == "18k"
