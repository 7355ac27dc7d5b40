"""CloudWatch alarm evaluation for the simulated world (moto stores alarms but never evaluates them): each of
the world's alarms is set to ALARM when its last evaluation periods all breach, else OK, with a reason in
the words and shape CloudWatch uses."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from moto.cloudwatch.models import cloudwatch_backends

from nexus_tui.sim.hooks import naive_utc
from nexus_tui.sim.world import AlarmSpec

SeriesKey = tuple[str, str, str, frozenset[tuple[str, str]]]  # region, namespace, metric, dimensions


def evaluate_alarms(
    account: str,
    alarms: Iterable[AlarmSpec],
    series: Mapping[SeriesKey, Iterable[tuple[datetime, float]]],
    now: datetime,
) -> None:
    for alarm in alarms:
        backend = cloudwatch_backends[account][alarm.region]
        model = backend.alarms.get(alarm.name)
        if model is None:
            continue
        points = _window(alarm, series, now)
        if len(points) < alarm.evaluation_periods:
            continue
        breaching = [p for p in points if alarm.breaches(p[1])]
        state = "ALARM" if len(breaching) == len(points) else "OK"
        if state == model.state_value and not model.state_reason.startswith("Unchecked"):
            continue
        model.update_state(_reason(alarm, points, state), json.dumps(_reason_data(alarm, points)), state)
        model.state_updated_timestamp = naive_utc(now)


def _window(
    alarm: AlarmSpec, series: Mapping[SeriesKey, Iterable[tuple[datetime, float]]], now: datetime
) -> list[tuple[datetime, float]]:
    key = (alarm.region, alarm.namespace, alarm.metric, frozenset(alarm.dimensions))
    since = now - timedelta(seconds=alarm.period * alarm.evaluation_periods)
    by_minute = {t: v for t, v in series.get(key, ()) if since < t <= now}
    return sorted(by_minute.items())[-alarm.evaluation_periods :]


def _reason(alarm: AlarmSpec, points: list[tuple[datetime, float]], state: str) -> str:
    shown = ", ".join(f"{v:g} ({t:%d/%m/%y %H:%M:%S})" for t, v in points)
    word = "greater than" if alarm.comparison == "GreaterThanThreshold" else "less than"
    verb = "were" if state == "ALARM" else "were not all"
    n = len(points)
    plural = "s" if n != 1 else ""
    return f"Threshold Crossed: {n} datapoint{plural} [{shown}] {verb} {word} the threshold ({alarm.threshold:g})."


def _reason_data(alarm: AlarmSpec, points: list[tuple[datetime, float]]) -> dict[str, object]:
    return {
        "version": "1.0",
        "queryDate": points[-1][0].isoformat(),
        "statistic": alarm.statistic,
        "period": alarm.period,
        "recentDatapoints": [v for _, v in points],
        "threshold": alarm.threshold,
        "evaluatedDatapoints": [{"timestamp": t.isoformat(), "value": v} for t, v in points],
    }
