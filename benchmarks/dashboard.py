"""Dashboard refresh cost against the simulator scaled to N replicated resources over 2 regions.

Prints CloudWatch GetMetricData requests per refresh (goal: ceil(queries/500) per region), wall time of the
first refresh (discovery + backups) and of steady-state refreshes (goal < 2 s), and peak RSS.

    python benchmarks/dashboard.py [N]

`measure_refreshes(config, n)` is the reusable part: the UI benchmark can call it (or start its own
SimEnvironment and time first frame / keypress latency next to these figures).
"""

from __future__ import annotations

import asyncio
import math
import os
import resource
import sys
import time
from dataclasses import dataclass

from nexus_tui.config import AppConfig
from nexus_tui.engine.dashboard import DashboardService


@dataclass
class RefreshFigures:
    seconds: float
    requests: dict[str, int]
    pairs: int
    backups: int
    stale: int

    @property
    def metric_calls(self) -> int:
        return self.requests.get("cloudwatch:GetMetricData", 0)


async def measure_refreshes(config: AppConfig, refreshes: int = 4) -> list[RefreshFigures]:
    """Run `refreshes` consecutive refreshes of one DashboardService; the first includes discovery."""
    service = DashboardService(config)
    out = []
    try:
        for _ in range(refreshes):
            started = time.perf_counter()
            snap = await service.refresh()
            out.append(
                RefreshFigures(
                    seconds=time.perf_counter() - started,
                    requests=dict(snap.request_counts),
                    pairs=len(snap.replication),
                    backups=len(snap.backups),
                    stale=sum(p.stale for p in snap.replication),
                )
            )
    finally:
        await service.aclose()
    return out


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(world_counts: tuple[int, int], runs: list[RefreshFigures]) -> None:
    n_rds, n_s3 = world_counts
    first, steady = runs[0], runs[1:]
    # Primary region: FreeStorageSpace per primary + 3 S3 metrics per rule; DR: lag + storage per replica.
    expected = math.ceil((n_rds + 3 * n_s3) / 500) + math.ceil(2 * n_rds / 500)
    print(f"pairs discovered: {first.pairs} (stale {first.stale}); backup rows: {first.backups}")
    print(f"first refresh: {first.seconds:.2f}s, {sum(first.requests.values())} requests")
    for name, count in sorted(first.requests.items()):
        print(f"    {name}: {count}")
    for i, r in enumerate(steady, start=2):
        print(f"refresh {i}: {r.seconds:.2f}s, requests {r.requests}")
    avg = sum(r.seconds for r in steady) / len(steady)
    print(f"GetMetricData per refresh: {steady[-1].metric_calls} (ceil(queries/500) per region = {expected})")
    print(f"steady-state refresh: {avg:.2f}s average (goal < 2 s)")
    print(f"peak RSS: {rss_mib():.0f} MiB (includes the in-process moto server)")


def main(n: int = 1000) -> None:
    from nexus_tui.sim.environment import SimEnvironment
    from nexus_tui.sim.world import scaled_world

    world = scaled_world(n)
    started = time.perf_counter()
    try:
        with SimEnvironment(world) as env:
            print(
                f"simulator: {n} replicated resources over {', '.join(env.regions)} "
                f"({time.perf_counter() - started:.1f}s)"
            )
            os.environ.update(env.environ())
            runs = asyncio.run(measure_refreshes(env.app_config(health_checks=())))
            _report((len(world.databases), len(world.buckets)), runs)
            return
    except Exception as exc:  # the simulator is another module; fall back on a world seeded here
        print(f"simulator failed to start ({type(exc).__name__}); seeding a plain moto server instead")
    _self_seeded(n)


def _self_seeded(n: int) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    import boto3
    from moto.server import ThreadedMotoServer

    from nexus_tui.config import AwsConfig

    primary, dr = "us-east-1", "us-west-2"
    for k, v in {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}.items():
        os.environ[k] = v
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    n_rds, n_s3 = n * 2 // 5, n * 2 // 5
    n_sec = n - n_rds - n_s3

    def c(service: str, region: str):  # type: ignore[no-untyped-def]
        return boto3.client(service, region_name=region, endpoint_url=url)

    started = time.perf_counter()
    rds1, rds2, s3a, s3b = c("rds", primary), c("rds", dr), c("s3", primary), c("s3", dr)
    sm, _cw1, cw2 = c("secretsmanager", primary), c("cloudwatch", primary), c("cloudwatch", dr)
    now = datetime.now(UTC)

    def db(i: int) -> None:
        name = f"bench-{i:04d}"
        arn = rds1.create_db_instance(
            DBInstanceIdentifier=name,
            Engine="mysql",
            DBInstanceClass="db.t3.micro",
            MasterUsername="u",
            MasterUserPassword="bench-pass-1",
            AllocatedStorage=20,
            BackupRetentionPeriod=7,
        )["DBInstance"]["DBInstanceArn"]
        rds2.create_db_instance_read_replica(DBInstanceIdentifier=f"{name}-dr", SourceDBInstanceIdentifier=arn)
        dims = [{"Name": "DBInstanceIdentifier", "Value": f"{name}-dr"}]
        cw2.put_metric_data(
            Namespace="AWS/RDS",
            MetricData=[{"MetricName": "ReplicaLag", "Dimensions": dims, "Timestamp": now, "Value": float(i % 40)}],
        )

    def bucket(i: int) -> None:
        src, dst = f"bench-{i:04d}-src", f"bench-{i:04d}-dst"
        s3a.create_bucket(Bucket=src)
        s3b.create_bucket(Bucket=dst, CreateBucketConfiguration={"LocationConstraint": dr})
        for cl, b in ((s3a, src), (s3b, dst)):
            cl.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
        s3a.put_bucket_replication(
            Bucket=src,
            ReplicationConfiguration={
                "Role": "arn:aws:iam::1:role/r",
                "Rules": [
                    {
                        "ID": "all",
                        "Status": "Enabled",
                        "Priority": 1,
                        "Filter": {},
                        "DeleteMarkerReplication": {"Status": "Disabled"},
                        "Destination": {"Bucket": f"arn:aws:s3:::{dst}"},
                    }
                ],
            },
        )

    with ThreadPoolExecutor(4) as pool:  # moto's per-backend state is not safe for more
        list(pool.map(db, range(n_rds)))
        list(pool.map(bucket, range(n_s3)))
        list(
            pool.map(
                lambda i: sm.create_secret(Name=f"bench/{i:04d}", SecretString="x", AddReplicaRegions=[{"Region": dr}]),
                range(n_sec),
            )
        )
    print(f"self-seeded {n} replicated resources over {primary}, {dr} ({time.perf_counter() - started:.1f}s)")
    aws = AwsConfig(regions=(primary, dr), endpoints={primary: url, dr: url}, connect_timeout=2, read_timeout=10)
    try:
        runs = asyncio.run(measure_refreshes(AppConfig(aws=aws)))
        _report((n_rds, n_s3), runs)
    finally:
        server.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
