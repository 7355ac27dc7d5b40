"""A drill's world: the simulator on the drill clock, the write ledger, realistic durations, and each
scenario's fault injected at the layer it happens in (resource state inside the simulator; unreachability
through the fault proxy in front of the region's endpoint).

It also plays the parts of the world a runbook step only describes: what the IC finds out (the restore
time, the object's version), and what a person's command does (the `aws s3 sync` of a command step), so an
unattended rehearsal can walk a runbook to the end. The score's data loss comes from the ledger and from
the buckets' real state afterwards, never from what the runbook claims.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Self

import boto3

from nexus_tui.config import AppConfig
from nexus_tui.domain.drill import DataLoss, Scenario
from nexus_tui.sim import durations as sim_durations
from nexus_tui.sim.clock import ScaledClock
from nexus_tui.sim.environment import SimEnvironment
from nexus_tui.sim.faults import FaultProxy
from nexus_tui.sim.ledger import LossRecord, WriteLedger
from nexus_tui.sim.seed import SIM_ACCESS_KEY_ID, SIM_SECRET_ACCESS_KEY

CALM_SECONDS = 300.0  # the world runs quietly this long before the fault (replication settles, metrics fill)
S3_OBJECTS_AT_RISK = 6  # ledger objects the S3 scenarios delete or encrypt
RESTORE_MARGIN_SECONDS = 1.0  # how far before the bad migration the unattended IC restores


@dataclass
class Fault:
    at: datetime
    facts: dict[str, Any] = field(default_factory=dict)


class DrillWorld:
    def __init__(
        self,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        seed: int = 7,
        start: datetime | None = None,
        running: bool = True,
    ) -> None:
        self.scenario = scenario
        self.clock = ScaledClock(start, speed=speed, running=running)
        self.sim = SimEnvironment(clock=self.clock, seed=seed)
        self.ledger = WriteLedger(self.clock, seed=seed)
        self.durations = sim_durations.Durations(self.clock)
        self.proxy: FaultProxy | None = None
        self.fault: Fault | None = None
        self._originals: dict[str, bytes] = {}
        self._encrypted: set[tuple[str, str]] = set()
        self.done_effects: list[str] = []

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Self:
        self.sim.start()
        try:
            world = self.sim.world
            self.ledger.lag_of = self.sim.ticker.current_lag
            self.durations.on_promote = lambda ident: self.ledger.on_promoted(ident)
            self.durations.on_restore = lambda ident, at: self.ledger.on_restored(ident, at)
            sim_durations.register(world.account_id, self.durations)
            if self.scenario.id == "region-outage":
                self.proxy = FaultProxy(self.sim.endpoint_url)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        sim_durations.unregister(self.sim.world.account_id)
        if self.proxy is not None:
            self.proxy.close()
            self.proxy = None
        self.sim.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where things are ----------------------------------------------------------------------------

    @property
    def primary_region(self) -> str:
        return self.sim.world.primary_region

    @property
    def replica(self) -> str:
        return self.sim.world.replicas[0][1].identifier

    @property
    def primary_db(self) -> str:
        return self.sim.world.replicas[0][0].identifier

    @property
    def bucket(self) -> str:
        return self.sim.world.buckets[0].source

    @property
    def dr_bucket(self) -> str:
        return self.sim.world.buckets[0].destination

    def app_config(self) -> AppConfig:
        if self.proxy is None:
            return self.sim.app_config()
        # The primary region behind the fault proxy. The DR region goes first: Route 53 (global) is called
        # through the first region's endpoint, and its data plane and API outlive a regional outage.
        primary = self.primary_region
        others = tuple(r for r in self.sim.regions if r != primary)
        endpoints = {r: self.sim.endpoint_url for r in others} | {primary: self.proxy.url}
        return self.sim.app_config(endpoints=endpoints, regions=(*others, primary))

    def boto(self, service: str, region: str | None = None) -> Any:
        return boto3.client(
            service,
            region_name=region or self.primary_region,
            endpoint_url=self.sim.endpoint_url,
            aws_access_key_id=SIM_ACCESS_KEY_ID,
            aws_secret_access_key=SIM_SECRET_ACCESS_KEY,
        )

    # -- time ----------------------------------------------------------------------------------------

    def jump(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass at once, and the world catch up (metrics, snapshots)."""
        self.clock.advance(seconds)
        self.sim.tick(0)

    def prepare(self) -> None:
        """The application's state before the fault: its latest S3 objects exist for real."""
        if "s3" in self.scenario.at_risk and not self._originals:
            self._write_ledger_objects()

    def calm(self, seconds: float = CALM_SECONDS) -> None:
        self.prepare()
        self.jump(seconds)

    def recovered_by_resources(self) -> bool:
        """An interactive drill has no runner to call after_step: the app counts as back when traffic
        reaches a healthy copy, read from the simulated account itself (DNS at the DR load balancer, or the
        secret pointing at a restored instance)."""
        sid = self.scenario.id
        if sid in ("primary-db-failure", "lag-storm", "region-outage"):
            dns = self.sim.world.dns[0]
            r53 = self.boto("route53")
            zones = r53.list_hosted_zones_by_name(DNSName=dns.zone)["HostedZones"]
            if not zones:
                return False
            records = r53.list_resource_record_sets(HostedZoneId=zones[0]["Id"])["ResourceRecordSets"]
            return any(
                r["Name"].rstrip(".") == dns.record and v["Value"] == dns.secondary.dns_name
                for r in records
                if "SetIdentifier" not in r
                for v in r.get("ResourceRecords", [])
            )
        if sid == "data-corruption":
            secret = self.sim.world.secrets[0]
            raw = self.boto("secretsmanager", secret.region).get_secret_value(SecretId=secret.name)["SecretString"]
            return "restored" in str(json.loads(raw).get("host", ""))
        return False

    def watch_recovery(self) -> None:
        """Called every few seconds by an interactive drill: app health comes back with the service."""
        if self.fault is not None and self.recovered_by_resources():
            self.sim.set_health(True)

    # -- faults --------------------------------------------------------------------------------------

    def inject(self) -> Fault:
        now = self.clock.now()
        sid = self.scenario.id
        facts: dict[str, Any] = {}
        if sid == "primary-db-failure":
            facts["lag_at_failure"] = self.sim.ticker.current_lag(self.replica)
            self.ledger.break_replication(self.replica, now)
            self.ledger.stop_writes(now)
            self.sim.stop_replication(self.replica)
            self._db(self.primary_region, self.primary_db).status = "failed"
            self.sim.set_health(False)
        elif sid == "lag-storm":
            # The primary degrades (the runbook's trigger) while the replica falls hours behind.
            self.sim.set_replica_lag(self.replica, 2 * 3600.0)
            self.sim.set_health(False)
        elif sid == "region-outage":
            facts["lag_at_failure"] = self.sim.ticker.current_lag(self.replica)
            self.ledger.break_replication(self.replica, now)
            self.ledger.stop_writes(now)
            latency = self.sim.ticker.current_s3_latency(self.bucket)
            facts["s3_latency_at_failure"] = latency
            self.ledger.s3_failover(self.bucket, latency, now)
            assert self.proxy is not None
            self.proxy.mode = "refuse"
            self.sim.set_health(False)
        elif sid == "data-corruption":
            facts["bad_migration_at"] = now
            self.sim.set_health(False)
        elif sid == "s3-deletion":
            s3 = self.boto("s3")
            for key in sorted(self._originals):
                s3.delete_object(Bucket=self.bucket, Key=key)
            facts["deleted"] = sorted(self._originals)
        elif sid == "ransomware":
            s3 = self.boto("s3")
            for key in sorted(self._originals):
                body = bytes((b ^ 0xA5) for b in self._originals[key][:4096]) + b"\x00LOCKED"
                version = s3.put_object(Bucket=self.bucket, Key=key, Body=body)["VersionId"]
                self._encrypted.add((key, version))
            facts["encrypted"] = sorted(self._originals)
            self.sim.set_health(False)
        self.fault = Fault(now, facts)
        return self.fault

    def _db(self, region: str, identifier: str) -> Any:
        from moto.rds.models import rds_backends

        return rds_backends[self.sim.world.account_id][region].databases[identifier]

    def _write_ledger_objects(self) -> None:
        """The application's latest objects, written for real so deletion and encryption act on them."""
        s3 = self.boto("s3")
        now = self.clock.now()
        for index in self.ledger.objects(now - timedelta(hours=1), now)[-S3_OBJECTS_AT_RISK:]:
            key = self.ledger.object_key(index)
            head = json.dumps({"ledger": index, "at": self.ledger.object_time(index).isoformat()}).encode()
            body = head.ljust(self.ledger.object_size(index), b" ")
            s3.put_object(Bucket=self.bucket, Key=key, Body=body)
            self._originals[key] = body

    # -- what the IC finds out, what a person's command does ------------------------------------------

    def declare_params(self) -> dict[str, str]:
        params = dict(self.sim.runbook_params())
        if self.scenario.id == "data-corruption":
            params.pop("replica_endpoint", None)
        return params

    def params_before(self, step_id: str, known: dict[str, str]) -> dict[str, str]:
        """Values the unattended IC supplies before a step (what a person learns during the incident)."""
        sid, fault = self.scenario.id, self.fault
        out: dict[str, str] = {}
        if sid == "data-corruption" and fault is not None:
            bad = fault.facts["bad_migration_at"]
            if not known.get("forensic_snapshot_id"):
                out["forensic_snapshot_id"] = f"{self.primary_db}-{bad:%Y%m%d-%H%M}-forensics"
            if not known.get("restore_time"):
                chosen = bad - timedelta(seconds=RESTORE_MARGIN_SECONDS)
                out["restore_time"] = chosen.strftime("%Y-%m-%dT%H:%M:%SZ")
            if step_id == "point-app-at-restored" and not known.get("restored_endpoint"):
                restored = known.get("restored_db", f"{self.primary_db}-restored")
                found = self.boto("rds").describe_db_instances(DBInstanceIdentifier=restored)["DBInstances"]
                out["restored_endpoint"] = found[0]["Endpoint"]["Address"]
        if sid == "s3-deletion" and not known.get("object_key") and self._originals:
            key = sorted(self._originals)[0]
            out.update(object_key=key, version_id=self._live_version(key) or "", prefix="ledger/")
        return out

    def _live_version(self, key: str) -> str | None:
        versions = self.boto("s3").list_object_versions(Bucket=self.bucket, Prefix=key).get("Versions", [])
        data = [v for v in versions if v["Key"] == key and (key, v["VersionId"]) not in self._encrypted]
        data.sort(key=lambda v: v["LastModified"], reverse=True)
        return data[0]["VersionId"] if data else None

    def after_step(self, step_id: str) -> None:
        """The world's answer to a finished step: the app comes back once traffic reaches a healthy copy,
        and a command step's effect happens (the drill plays the operator who ran it)."""
        sid = self.scenario.id
        healthy_after = {
            "primary-db-failure": "update-dns",
            "lag-storm": "update-dns",
            "region-outage": "update-dns",
            "data-corruption": "point-app-at-restored",
            "ransomware": "restore-clean-backups",
        }
        if healthy_after.get(sid) == step_id:
            self.sim.set_health(True)
        if sid == "s3-deletion" and step_id == "restore-from-crr":
            self._sync_from_replica("ledger/")
            self.done_effects.append(f"aws s3 sync s3://{self.dr_bucket}/ledger/ s3://{self.bucket}/ledger/")
        if sid == "ransomware" and step_id == "restore-clean-backups":
            self._restore_clean_versions()
            self.done_effects.append(f"restored the last clean version of each object in {self.bucket}")

    def _sync_from_replica(self, prefix: str) -> None:
        s3 = self.boto("s3")
        have = {o["Key"] for o in s3.list_objects_v2(Bucket=self.bucket, Prefix=prefix).get("Contents", [])}
        for obj in s3.list_objects_v2(Bucket=self.dr_bucket, Prefix=prefix).get("Contents", []):
            if obj["Key"] not in have:
                body = s3.get_object(Bucket=self.dr_bucket, Key=obj["Key"])["Body"].read()
                s3.put_object(Bucket=self.bucket, Key=obj["Key"], Body=body)

    def _restore_clean_versions(self) -> None:
        s3 = self.boto("s3")
        for key in sorted(self._originals):
            version = self._live_version(key)
            if version is not None:
                body = s3.get_object(Bucket=self.bucket, Key=key, VersionId=version)["Body"].read()
                s3.put_object(Bucket=self.bucket, Key=key, Body=body)

    # -- measuring -----------------------------------------------------------------------------------

    def measure(self) -> tuple[DataLoss, dict[str, Any], tuple[str, ...]]:
        """The data loss, the scenario's own checks, and failures those checks found."""
        checks: dict[str, Any] = {}
        failures: list[str] = []
        loss = DataLoss()
        if "db" in self.scenario.at_risk:
            db_loss = self.ledger.loss(("promote", "restore"))
            loss = loss + (db_loss if db_loss.transactions is not None else DataLoss(transactions=0, seconds=0.0))
        if "s3" in self.scenario.at_risk:
            loss = loss + self._s3_loss()
        if self.scenario.id == "data-corruption" and self.fault is not None:
            bad = self.fault.facts["bad_migration_at"]
            restores = [r for r in self.ledger.records if r.kind == "restore"]
            checks["bad_migration_at"] = bad.isoformat()
            if restores and restores[-1].recovered_upto is not None:
                chosen = restores[-1].recovered_upto
                gap = (bad - chosen).total_seconds()
                checks.update(restore_time=chosen.isoformat(), seconds_before_bad_migration=gap)
                if gap <= 0:
                    failures.append("restored to a time at or after the bad migration: the corruption came back")
                elif gap > 300:
                    failures.append(f"restored {gap:.0f}s before the bad migration: more data lost than needed")
            else:
                failures.append("no point-in-time restore was made")
        if self.fault is not None:
            checks.update({k: _plain(v) for k, v in self.fault.facts.items()})
        return loss, checks, tuple(failures)

    def _s3_loss(self) -> DataLoss:
        """Objects whose acknowledged content the production bucket no longer serves (deleted or encrypted),
        plus, after a region failover, those the replica never received."""
        failover = [r for r in self.ledger.records if r.kind == "s3-failover"]
        loss = failover[-1].loss if failover else DataLoss(objects=0, bytes=0)
        if not self._originals or self.scenario.id == "region-outage":
            return loss
        s3 = self.boto("s3")
        lost, size = 0, 0
        for key, body in self._originals.items():
            try:
                current = s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except s3.exceptions.NoSuchKey:
                current = None
            if current != body:
                lost, size = lost + 1, size + len(body)
        state = DataLoss(objects=lost, bytes=size)
        self.ledger.record(LossRecord("s3-state", self.bucket, self.clock.now(), None, state))
        return loss + state

    def cleanup(self) -> list[str]:
        """What a real run of this scenario leaves to undo (the drill's checklist), and what the drill did."""
        sid = self.scenario.id
        items = {
            "primary-db-failure": [
                f"rebuild a cross-region replica of the promoted {self.replica} (the DR region has none now)",
                f"decide the fate of the failed {self.primary_db}: snapshot it, then delete or re-sync",
                "plan the fail-back window and DNS TTL before switching back",
            ],
            "lag-storm": ["find why the replica lagged; re-run the drill once lag is back under the RPO"],
            "region-outage": [
                f"rebuild replication from {self.replica} back to the primary region when it returns",
                "re-enable S3 replication both ways; reconcile objects written during the outage",
                "fail back DNS once the primary region is healthy",
            ],
            "data-corruption": [
                "keep the forensic snapshot until the root cause is found; then delete it",
                f"retire the corrupted {self.primary_db} once the restored instance is confirmed",
                "replay or re-enter the writes made after the restore time (the data loss above)",
            ],
            "s3-deletion": ["review who could delete; consider MFA delete and Object Lock on the bucket"],
            "ransomware": [
                "rotate every credential the attacker could have used",
                "delete the encrypted object versions once forensics no longer needs them",
            ],
        }
        return items.get(sid, []) + [f"drill effect: {e}" for e in self.done_effects]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value
