"""Dashboard refresh cost against the simulator scaled to N replicated resources over 2 regions.

Prints the time to the first snapshot (goal < 1.5 s) and how complete it was (pairs found / total), the time
until background discovery has finished (refreshes 0.25 s apart, as a fast UI would; goal < 5 s and <= 1,100
requests at N=1000), steady-state refresh time (goal < 1 s), CloudWatch GetMetricData requests per refresh
(goal: ceil(queries/500) per region), and peak RSS of the app and of the simulator, which runs in a separate
process so the two are measured apart. On a shared machine wall times follow the load: the load average and
the CPU seconds each process spent during the run are printed too (those do not depend on the load).

    python benchmarks/dashboard.py [N]
    python benchmarks/dashboard.py --self-seeded [N]   # a plain moto server seeded here, in-process

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
    in_progress: tuple[str, ...] = ()
    at: float = 0.0  # seconds since the service was created

    @property
    def metric_calls(self) -> int:
        return self.requests.get("cloudwatch:GetMetricData", 0)


@dataclass
class Run:
    first: RefreshFigures
    until_complete: list[RefreshFigures]  # the refreshes after the first, up to the first complete one
    steady: list[RefreshFigures]

    @property
    def complete_at(self) -> float | None:
        done = [r for r in [self.first, *self.until_complete] if not r.in_progress]
        return done[0].at if done else None


async def measure_refreshes(config: AppConfig, refreshes: int = 4, *, gap: float = 0.25, limit: float = 120.0) -> Run:
    """First refresh (returns within its budget), then refreshes `gap` seconds apart until nothing is reported
    in progress (time until complete), then `refreshes - 1` steady-state refreshes."""
    service = DashboardService(config)
    created = time.perf_counter()

    async def one() -> RefreshFigures:
        started = time.perf_counter()
        snap = await service.refresh()
        now = time.perf_counter()
        return RefreshFigures(
            seconds=now - started,
            requests=dict(snap.request_counts),
            pairs=len(snap.replication),
            backups=len(snap.backups),
            stale=sum(p.stale for p in snap.replication),
            in_progress=tuple(f"{u.region or '*'} {u.what}" for u in snap.unavailable if u.reason == "in progress"),
            at=now - created,
        )

    try:
        first = await one()
        more: list[RefreshFigures] = []
        last = first
        while last.in_progress and time.perf_counter() - created < limit:
            await asyncio.sleep(gap)
            last = await one()
            more.append(last)
        steady = [await one() for _ in range(max(1, refreshes - 1))]
    finally:
        await service.aclose()
    return Run(first, more, steady)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _report(world_counts: tuple[int, int, int], run: Run) -> None:
    n_rds, n_s3, n_sec = world_counts
    total = n_rds + n_s3 + n_sec
    first, steady = run.first, run.steady
    # Primary region: FreeStorageSpace per primary + 3 S3 metrics per rule; DR: lag + storage per replica.
    expected = math.ceil((n_rds + 3 * n_s3) / 500) + math.ceil(2 * n_rds / 500)
    print(f"time to first snapshot: {first.at:.2f}s ({first.seconds:.2f}s in refresh(), goal < 1.5 s)")
    print(
        f"first snapshot completeness: {first.pairs}/{total} pairs (stale {first.stale}), {first.backups} backup rows"
    )
    for note in first.in_progress:
        print(f"    in progress: {note}")
    print(f"first refresh requests: {sum(first.requests.values())}")
    for name, count in sorted(first.requests.items()):
        print(f"    {name}: {count}")
    all_runs = [first, *run.until_complete]
    spent: dict[str, int] = {}
    for r in all_runs:
        for name, count in r.requests.items():
            spent[name] = spent.get(name, 0) + count
    done = run.complete_at
    last = all_runs[-1]
    print(
        f"time until complete: {done:.2f}s ({len(all_runs)} refreshes, 0.25 s apart); "
        f"{last.pairs}/{total} pairs, {last.backups} backup rows"
        if done is not None
        else f"not complete after {last.at:.1f}s: {last.in_progress}"
    )
    print(f"requests until complete: {sum(spent.values())}")
    for name, count in sorted(spent.items()):
        print(f"    {name}: {count}")
    for i, r in enumerate(steady, start=1):
        print(f"steady refresh {i}: {r.seconds:.2f}s, requests {r.requests}")
    avg = sum(r.seconds for r in steady) / len(steady)
    print(f"GetMetricData per refresh: {steady[-1].metric_calls} (ceil(queries/500) per region = {expected})")
    print(f"steady-state refresh: {avg:.2f}s average (goal < 1 s)")


def _serve(n: int) -> None:
    """Child process: the simulator alone, so its memory is measured apart from the app's. Prints one JSON line
    (endpoint, regions, environment, world counts), then answers each line on stdin with the number of
    requests it has served, until stdin closes."""
    import json

    from nexus_tui.sim.environment import SimEnvironment
    from nexus_tui.sim.world import scaled_world

    world = scaled_world(n)
    started = time.perf_counter()
    with SimEnvironment(world) as env:
        counts = (len(world.replicas), len(world.buckets), sum(len(x.replica_regions) for x in world.secrets))
        hello = {
            "url": env.endpoint_url,
            "regions": list(env.regions),
            "environ": env.environ(),
            "counts": counts,
            "seeded_seconds": round(time.perf_counter() - started, 1),
        }
        print(json.dumps(hello), flush=True)
        for _ in sys.stdin:
            print(env.requests_served, flush=True)


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), to tell its own cost from waiting on a busy machine."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _loadavg() -> str:
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def _vm_hwm_mib(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def main(n: int = 1000) -> None:
    import json
    import subprocess

    from nexus_tui.config import AwsConfig

    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(n)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        hello = json.loads(child.stdout.readline())
        print(f"simulator: {n} replicated resources over {', '.join(hello['regions'])} ({hello['seeded_seconds']}s)")

        def served() -> int:
            child.stdin.write("count\n")  # type: ignore[union-attr]
            child.stdin.flush()  # type: ignore[union-attr]
            return int(child.stdout.readline())  # type: ignore[union-attr]

        os.environ.update(hello["environ"])
        regions = tuple(hello["regions"])
        aws = AwsConfig(
            regions=regions, endpoints={r: hello["url"] for r in regions}, connect_timeout=5, read_timeout=30
        )
        before = served()
        print(f"load average at start: {_loadavg()} ({os.cpu_count()} CPUs)")
        sim_cpu, app_cpu = _cpu_seconds(child.pid), time.process_time()
        run = asyncio.run(measure_refreshes(AppConfig(aws=aws, refresh_seconds=1.0)))
        app_cpu = time.process_time() - app_cpu
        sim_after = _cpu_seconds(child.pid)
        _report(tuple(hello["counts"]), run)  # type: ignore[arg-type]
        print(f"requests answered by the simulator during the run: {served() - before}")
        print(f"load average at end: {_loadavg()}")
        print(f"CPU during the run: app {app_cpu:.1f}s", end="")
        print(f", simulator {sim_after - sim_cpu:.1f}s" if sim_cpu is not None and sim_after is not None else "")
        print(f"peak RSS of the app: {rss_mib():.0f} MiB")
        sim_rss = _vm_hwm_mib(child.pid)
        print(f"peak RSS of the simulator (separate process): {sim_rss:.0f} MiB" if sim_rss else "")
    finally:
        child.stdin.close()
        child.wait(timeout=60)


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
        run = asyncio.run(measure_refreshes(AppConfig(aws=aws)))
        _report((n_rds, n_s3, n_sec), run)
        print(f"peak RSS: {rss_mib():.0f} MiB (app and in-process moto server together)")
    finally:
        server.stop()


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        _serve(int(sys.argv[2]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--self-seeded":
        _self_seeded(int(sys.argv[2]) if len(sys.argv) > 2 else 1000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
