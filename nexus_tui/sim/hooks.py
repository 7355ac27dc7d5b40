"""In-process patches of moto's RDS backend (and Secrets Manager, see secrets_hooks) for the gaps the
simulator must close.

Patches are installed once per process but only act for accounts a running SimEnvironment registered;
any other moto server in the same process (adapter tests use plain ones) keeps stock moto behaviour.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from moto.rds.exceptions import InvalidDBInstanceStateFault, RDSClientError
from moto.rds.models import DBInstance, RDSBackend

from nexus_tui.domain.clock import Clock, utc
from nexus_tui.sim import fast_lists, fast_xml, s3_hooks, secrets_hooks

RESTORE_TAG = "nexus-sim:restored-to"
DEFAULT_LRT_LAG = 300.0


@dataclass
class AccountHooks:
    clock: Clock
    lrt_lag: dict[str, float] = field(default_factory=dict)  # per instance; default DEFAULT_LRT_LAG
    on_promoted: Callable[[str, str], None] | None = None  # (region, identifier)

    def latest_restorable_time(self, db: DBInstance) -> datetime:
        lag = self.lrt_lag.get(db.db_instance_identifier, DEFAULT_LRT_LAG)
        return self.clock.now().astimezone(UTC) - timedelta(seconds=lag)


_ACTIVE: dict[str, AccountHooks] = {}
STOCK: dict[str, Any] = {}  # moto's own methods where a test compares the two
_LOCK = threading.Lock()
_installed = False


def register(account_id: str, hooks: AccountHooks) -> None:
    install()
    _ACTIVE[account_id] = hooks


def unregister(account_id: str) -> None:
    _ACTIVE.pop(account_id, None)


def hooks_for(account_id: str) -> AccountHooks | None:
    return _ACTIVE.get(account_id)


class InvalidRestoreFault(RDSClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidRestoreFault", message)


def _naive(dt: datetime) -> datetime:
    return utc(dt).replace(tzinfo=None)


def install() -> None:
    global _installed
    with _LOCK:
        if _installed:
            return
        _installed = True
        _cache_module_list()
        _fast_timestamps()
        _memo_attribute_keys()
        fast_xml.install()
        fast_lists.install()
        _share_error_lookups()
        _patch_latest_restorable_time()
        _patch_promote()
        _patch_restore()
        secrets_hooks.install(lambda account_id: account_id in _ACTIVE)
        s3_hooks.install(lambda account_id: account_id in _ACTIVE)


def _cache_module_list() -> None:
    """moto's server lists its package directory and stats every entry to route each request (twice, under a
    lock every request thread shares): ~180 stat calls a request, the simulator's biggest cost at 1,000
    resources. The installed modules do not change while the process runs; list them once. Behaviour-neutral,
    so it applies to every moto server in the process."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


def _share_error_lookups() -> None:
    """moto writes each error answer after looking its code up in a table built from the service model, and
    builds that table again for every error (its cache lives on a factory made per call); the first errors
    also list botocore's ~400 service directories, in every request thread that gets there before the first
    listing is cached (16 concurrent GetBucketReplication errors: ~2 s of simulator time). The tables are
    shared per service here, as moto's own cache would keep them, and the listing is done once at install.
    Behaviour-neutral, so it applies to every moto server in the process."""
    from moto.core import utils
    from moto.core.errors import ErrorLookup, ErrorLookupFactory

    utils.service_name_from_moto_package_name("s3")
    tables: dict[str, ErrorLookup] = {}
    build = ErrorLookupFactory._create_error_lut

    def for_service(self: ErrorLookupFactory, service_model: Any) -> ErrorLookup:
        service_id = service_model.metadata.get("serviceId")
        if service_id is None:
            return build(service_model)
        table = tables.get(service_id)
        if table is None:
            table = tables[service_id] = build(service_model)
        return table

    ErrorLookupFactory.for_service = for_service  # type: ignore[method-assign]


def _fast_timestamps() -> None:
    """moto's response serializer passes every timestamp through botocore's parse_to_aware_datetime and
    calendar.timegm: ~100,000 of them in one metrics run at 1,000 resources, the largest part of a
    GetMetricData answer. A datetime is converted directly here, to the same value (naive read as UTC,
    truncated to milliseconds, as moto does); anything else takes moto's path."""
    from moto.core.serialize import TimestampSerializer

    stock = TimestampSerializer._convert_timestamp_to_str

    epoch, epoch_utc = datetime(1970, 1, 1), datetime(1970, 1, 1, tzinfo=UTC)

    def convert(self: TimestampSerializer, value: Any, timestamp_format: str) -> Any:
        if isinstance(value, datetime) and timestamp_format.lower() == "unixtimestamp":
            # Whole seconds since the epoch, rounded down as calendar.timegm does (times before 1970 too).
            delta = value - (epoch if value.tzinfo is None else epoch_utc)
            seconds = delta.days * 86400 + delta.seconds
            return seconds + (value.microsecond // 1000) / 1000.0 if value.microsecond else seconds
        return stock(self, value, timestamp_format)

    TimestampSerializer._convert_timestamp_to_str = convert  # type: ignore[method-assign]


def _memo_attribute_keys() -> None:
    """moto's serializer asks its alias providers, for every field of every object it writes, which attribute
    names to try (DBInstanceIdentifier, db_instance_identifier, identifier...), building a context object and
    the field's dotted path to ask: most of a DescribeDBInstances page of 100 instances. The names to try and
    the response transformer that applies depend only on the picker's kind, the object's class and where in
    which operation's response the field is, so they are remembered per those; the values are still read from
    each object, in the same order, as moto does. Pickers of another kind keep moto's path."""
    from moto.core.serialize import MISSING, AttributePicker, AttributePickerContext, ResponseSerializer
    from moto.core.utils import get_value as read

    stock_get_value = STOCK["get_value"] = ResponseSerializer.get_value
    stock_pick = AttributePicker.__call__
    memo: dict[tuple[Any, ...], tuple[tuple[str, ...], Any, object, object]] = {}

    def get_value(self: ResponseSerializer, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if not isinstance(picker, AttributePicker) or type(picker).__call__ is not stock_pick:
            return stock_get_value(self, value, key, shape)
        op = self.operation_model
        # A picker without transformers gets an empty map of its own: all of those are one case.
        providers, transformers = picker.alias_providers, picker.response_transformers or None
        where = (
            type(picker),
            id(providers),
            id(transformers),
            type(value),
            key,
            tuple(self.path),
            op.name,
            op.service_model.service_name,
        )
        plan = memo.get(where)
        # A plan holds the provider list and transformer map it was made for, so their ids cannot be taken by
        # other objects while it is remembered; `is` confirms they are the same ones.
        if plan is None or plan[2] is not providers or plan[3] is not transformers:
            if len(memo) > 100_000:  # bounded: response paths are few, but never grow without limit
                memo.clear()
            context = AttributePickerContext(
                obj=value,
                key=key,
                shape=shape,
                operation_model=op,
                service_model=op.service_model,
                key_path=".".join(self.path),
            )
            path = f"{context.key_path}.{key}"
            transform = next((t for p, t in (transformers or {}).items() if path.endswith(p)), None)
            plan = memo[where] = (tuple(picker.get_possible_keys(context)), transform, providers, transformers)
        for possible_key in plan[0]:
            found = read(value, possible_key, MISSING)
            if found is not MISSING:
                break
        else:
            found = None
        return found if plan[1] is None else plan[1](found)

    ResponseSerializer.get_value = get_value  # type: ignore[method-assign]


def _patch_latest_restorable_time() -> None:
    stock = DBInstance.latest_restorable_time.fget  # type: ignore[attr-defined]

    def latest_restorable_time(self: DBInstance) -> datetime:
        hooks = _ACTIVE.get(self.account_id)
        return hooks.latest_restorable_time(self) if hooks else stock(self)

    DBInstance.latest_restorable_time = property(latest_restorable_time)  # type: ignore[assignment,method-assign]


def _patch_promote() -> None:
    stock = RDSBackend.promote_read_replica

    def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        hooks = _ACTIVE.get(self.account_id)
        if hooks is None:
            return stock(self, db_kwargs)
        db_id = db_kwargs["db_instance_identifier"]
        db = self.describe_db_instances(db_id)[0]
        if not db.is_replica:
            raise InvalidDBInstanceStateFault(f"DB Instance {db_id} is not a read replica.")
        source = db.source_db_instance_identifier
        promoted = stock(self, db_kwargs)
        # moto keeps the link both ways; a promoted instance is standalone and its old primary forgets it.
        promoted.source_db_instance_identifier = None
        set_extra(promoted, "status_infos", None)
        if source:
            _forget_replica(self, source, promoted)
        if not getattr(promoted, "backup_retention_period", 0):
            promoted.backup_retention_period = 1
        if hooks.on_promoted:
            hooks.on_promoted(self.region_name, promoted.db_instance_identifier)
        return promoted

    RDSBackend.promote_read_replica = promote_read_replica  # type: ignore[method-assign]


def _forget_replica(backend: RDSBackend, source: str, replica: DBInstance) -> None:
    from moto.rds.models import rds_backends

    region, name = backend.region_name, source
    if source.startswith("arn:"):
        parts = source.split(":")
        region, name = parts[3], parts[-1]
    primary = rds_backends[backend.account_id][region].databases.get(name)
    if primary is None:
        return
    for ref in (replica.db_instance_arn, replica.db_instance_identifier):
        if ref in primary.replicas:
            primary.replicas.remove(ref)


def _patch_restore() -> None:
    stock = RDSBackend.restore_db_instance_to_point_in_time

    def restore(self: RDSBackend, source_db_identifier: str, target_db_identifier: str, overrides: Any) -> DBInstance:
        hooks = _ACTIVE.get(self.account_id)
        if hooks is None:
            return stock(self, source_db_identifier, target_db_identifier, overrides)
        source = self.describe_db_instances(source_db_identifier)[0]
        latest = hooks.latest_restorable_time(source)
        earliest = hooks.clock.now().astimezone(UTC) - timedelta(days=max(source.backup_retention_period or 0, 0))
        raw = overrides.get("restore_time") if hasattr(overrides, "get") else None
        if raw is not None and overrides.get("use_latest_restorable_time"):
            raise RDSClientError(
                "InvalidParameterCombination", "Cannot specify both RestoreTime and UseLatestRestorableTime"
            )
        restore_at = latest if raw is None else utc(raw if isinstance(raw, datetime) else _parse(str(raw)))
        if not source.backup_retention_period:
            raise InvalidRestoreFault(f"DB instance {source_db_identifier} has automated backups disabled.")
        if restore_at > latest or restore_at < earliest:
            raise InvalidRestoreFault(
                f"RestoreTime {restore_at.isoformat()} is outside the restorable window "
                f"{earliest.isoformat()} .. {latest.isoformat()}"
            )
        restored = stock(self, source_db_identifier, target_db_identifier, overrides)
        # The copy carries the source's replication wiring; a restored instance is standalone.
        restored.replicas = []
        restored.is_replica = False
        restored.source_db_instance_identifier = None
        set_extra(restored, "status_infos", None)
        set_extra(restored, "sim_restore_time", restore_at)
        restored.tags = [t for t in (restored.tags or []) if t.get("Key") != RESTORE_TAG]
        restored.tags.append({"Key": RESTORE_TAG, "Value": restore_at.isoformat().replace("+00:00", "Z")})
        return restored

    RDSBackend.restore_db_instance_to_point_in_time = restore  # type: ignore[method-assign]


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def set_extra(model: object, name: str, value: object) -> None:
    """Set an attribute moto's serializer reads (StatusInfos, SourceRegion, ...) but its model never declares."""
    setattr(model, name, value)


def naive_utc(dt: datetime) -> datetime:
    """moto stores naive UTC datetimes; convert before handing it one."""
    return _naive(dt)
