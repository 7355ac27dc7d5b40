"""Every metric alarm per region, in whatever state (the plan's alarms are checked for existence, not only
when firing); the caller keeps those about resources it discovered."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nexus_tui.domain.clock import utc
from nexus_tui.domain.models import AlarmInfo
from nexus_tui.sources.aws.session import AwsClients

# Dimensions that name the resources the dashboard watches.
_RESOURCE_DIMENSIONS = ("DBInstanceIdentifier", "SourceBucket", "BucketName", "DestinationBucket", "SecretId")


async def list_alarms(clients: AwsClients, region: str) -> list[AlarmInfo]:
    raw = await clients.paginate(
        region,
        "cloudwatch",
        "DescribeAlarms",
        "MetricAlarms",
        token="NextToken",
        AlarmTypes=["MetricAlarm"],
        MaxRecords=100,
    )
    return [_alarm(a, region) for a in raw]


def _resources(alarm: dict[str, Any]) -> list[str]:
    dims = list(alarm.get("Dimensions") or [])
    for m in alarm.get("Metrics") or []:
        dims += ((m.get("MetricStat") or {}).get("Metric") or {}).get("Dimensions") or []
    return [str(d.get("Value")) for d in dims if d.get("Name") in _RESOURCE_DIMENSIONS and d.get("Value")]


def _alarm(a: dict[str, Any], region: str) -> AlarmInfo:
    resources = _resources(a)
    updated = a.get("StateUpdatedTimestamp")
    metric = a.get("MetricName")
    if metric and a.get("Namespace"):
        metric = f"{a['Namespace']} {metric}"
    return AlarmInfo(
        name=str(a.get("AlarmName", "")),
        region=region,
        state=str(a.get("StateValue", "ALARM")),
        reason=" ".join(str(a.get("StateReason") or "").split())[:200] or None,
        metric=metric,
        resource=resources[0] if resources else None,
        updated_at=utc(updated) if isinstance(updated, datetime) else None,
        namespace=a.get("Namespace"),
        metric_name=a.get("MetricName"),
        comparison=a.get("ComparisonOperator"),
        threshold=float(a["Threshold"]) if isinstance(a.get("Threshold"), int | float) else None,
        dimensions=tuple((str(d.get("Name")), str(d.get("Value"))) for d in a.get("Dimensions") or []),
    )


def about(alarm: AlarmInfo, names: set[str]) -> bool:
    """An alarm is kept when it is about a discovered resource (or names one in its title)."""
    if alarm.resource:
        return alarm.resource in names
    return any(n and n in alarm.name for n in names)
