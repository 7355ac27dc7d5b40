"""One simulated AWS account the demo, drills and tests run against: moto server + seeded world + ticker.

with SimEnvironment(clock=ManualClock(...)).start() as sim:
    config = sim.app_config()           # regions, per-region endpoints, health check
    os.environ.update(sim.environ())    # fake credentials that map to the world's account id
    sim.tick(60)                        # one simulated minute (advances a ManualClock)
"""

from __future__ import annotations

import threading
from typing import Any, Self

from moto.core.base_backend import BackendDict, backend_lock
from moto.iam.models import AccessKey, iam_backends

from nexus_tui.config import AppConfig, AwsConfig, HealthCheckConfig
from nexus_tui.domain.clock import Clock, SystemClock
from nexus_tui.sim import hooks, metric_index, s3_hooks, warmup
from nexus_tui.sim.health_server import HealthServer
from nexus_tui.sim.seed import SIM_ACCESS_KEY_ID, SIM_SECRET_ACCESS_KEY, seed_world
from nexus_tui.sim.server import MotoServer
from nexus_tui.sim.ticker import WorldTicker
from nexus_tui.sim.world import WorldSpec, securenexus_world

_ACTIVE_ACCOUNTS: set[str] = set()


def _drop_account(account_id: str) -> None:
    """Forget everything moto holds for one account (other accounts, e.g. plain test servers, are untouched)."""
    from moto.s3.models import s3_backends

    with backend_lock:
        for backend_dict in list(BackendDict._instances):  # type: ignore[misc]
            backend_dict.pop(account_id, None)
        s3_hooks.MFA_DELETE.pop(account_id, None)
        # S3 bucket names are global: moto keeps a name -> account map outside the account's backend.
        for name, (_, owner) in list(s3_backends.bucket_accounts.items()):
            if owner == account_id:
                s3_backends.bucket_accounts.pop(name, None)


def _register_credentials(account_id: str) -> None:
    # moto maps a request to an account by looking its access key up in that account's IAM backend.
    key = AccessKey(None, "AKIA", account_id)  # type: ignore[abstract]
    key.access_key_id = SIM_ACCESS_KEY_ID
    key.secret_access_key = SIM_SECRET_ACCESS_KEY
    iam_backends[account_id]["aws"].access_keys[SIM_ACCESS_KEY_ID] = key


class SimEnvironment:
    def __init__(self, world: WorldSpec | None = None, *, clock: Clock | None = None, seed: int = 7) -> None:
        self.world = world or securenexus_world()
        self.clock: Clock = clock or SystemClock()
        self.seed = seed
        self._server: MotoServer | None = None
        self._health: HealthServer | None = None
        self._ticker: WorldTicker | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._tick_lock = threading.Lock()
        self.last_ticker_error: BaseException | None = None

    # -- lifecycle -----------------------------------------------------------------------------------

    def start(self) -> Self:
        account = self.world.account_id
        if account in _ACTIVE_ACCOUNTS:
            raise RuntimeError(
                f"a simulated account {account} is already running in this process; give the second world "
                "another account_id (dataclasses.replace(world, account_id=...))"
            )
        _ACTIVE_ACCOUNTS.add(account)
        try:
            _drop_account(account)
            _register_credentials(account)
            account_hooks = hooks.AccountHooks(clock=self.clock)
            hooks.register(account, account_hooks)
            metric_index.enable(account)
            self._server = MotoServer()
            self._server.start()
            self._health = HealthServer().start()
            seed_world(self.world, self._server.url, self.clock.now())
            self._ticker = WorldTicker(self.world, self.clock, account_hooks, seed=self.seed)
            self._ticker.backfill(60)
            metric_index.warm(account, self.world.regions)
            warmup.warm_models()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._health is not None:
            self._health.stop()
            self._health = None
        account = self.world.account_id
        if account in _ACTIVE_ACCOUNTS:
            hooks.unregister(account)
            metric_index.disable(account)
            _drop_account(account)
            _ACTIVE_ACCOUNTS.discard(account)
        self._ticker = None

    def __enter__(self) -> Self:
        return self if self._server is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- where things are ----------------------------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("SimEnvironment is not started")
        return self._server.url

    @property
    def requests_served(self) -> int:
        """Requests the simulator has answered since start (counted at the server, seeding included)."""
        return self._server.served if self._server is not None else 0

    @property
    def regions(self) -> tuple[str, ...]:
        return self.world.regions

    @property
    def account_id(self) -> str:
        return self.world.account_id

    @property
    def health_url(self) -> str:
        if self._health is None:
            raise RuntimeError("SimEnvironment is not started")
        return self._health.url

    def runbook_params(self) -> dict[str, str]:
        """Runbook values only the live account knows (hosted zone id, DR load balancer, replica endpoint,
        the app's URL), read from the simulated account, so a demo incident can be walked end to end."""
        import boto3

        session = boto3.Session(
            aws_access_key_id=SIM_ACCESS_KEY_ID,
            aws_secret_access_key=SIM_SECRET_ACCESS_KEY,
            region_name=self.world.primary_region,
        )
        params = {"app_url": self.health_url.removesuffix("/api/health")}
        for dns in self.world.dns[:1]:
            r53 = session.client("route53", endpoint_url=self.endpoint_url)
            zones = r53.list_hosted_zones_by_name(DNSName=dns.zone)["HostedZones"]
            if zones:
                params["hosted_zone_id"] = zones[0]["Id"].rsplit("/", 1)[-1]
            params["dr_load_balancer"] = dns.secondary.dns_name
            params["dns_name"] = dns.record
        for _db, replica in self.world.replicas[:1]:
            rds = session.client("rds", region_name=replica.region, endpoint_url=self.endpoint_url)
            found = rds.describe_db_instances(DBInstanceIdentifier=replica.identifier)["DBInstances"]
            address = (found[0].get("Endpoint") or {}).get("Address") if found else None
            if address:
                params["replica_endpoint"] = address
        return params

    def region_endpoint(self, region: str) -> str:
        if region not in self.world.regions:
            raise KeyError(f"region {region!r} is not part of the simulated world ({', '.join(self.regions)})")
        return self.endpoint_url

    def environ(self) -> dict[str, str]:
        """Variables for a process (or monkeypatch) talking to the simulator. Fake credentials only."""
        return {
            "AWS_ACCESS_KEY_ID": SIM_ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SIM_SECRET_ACCESS_KEY,
            "AWS_DEFAULT_REGION": self.world.primary_region,
            "AWS_REGION": self.world.primary_region,
            # A client built without an explicit endpoint still lands here, never on real AWS.
            "AWS_ENDPOINT_URL": self.endpoint_url,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def app_config(self, **overrides: Any) -> AppConfig:
        """An AppConfig pointed at the simulator. `endpoints=` / `regions=` replace the AWS part (a fault
        proxy per region, say); any other keyword replaces that AppConfig field."""
        endpoints = overrides.pop("endpoints", None) or {r: self.endpoint_url for r in self.regions}
        regions = tuple(overrides.pop("regions", None) or self.regions)
        aws = AwsConfig(regions=regions, endpoints=dict(endpoints), connect_timeout=2.0, read_timeout=5.0)
        base = AppConfig(
            aws=aws,
            refresh_seconds=1.0,
            health_checks=(HealthCheckConfig(name=self.world.health_name, url=self.health_url, timeout_seconds=2.0),),
            labels=dict(self.world.labels),
        )
        from dataclasses import replace

        return replace(base, **overrides)

    # -- time ----------------------------------------------------------------------------------------

    @property
    def ticker(self) -> WorldTicker:
        if self._ticker is None:
            raise RuntimeError("SimEnvironment is not started")
        return self._ticker

    def tick(self, seconds: float = 60.0) -> int:
        """Advance simulated time (a clock with advance(), e.g. ManualClock) and catch the world up to it.
        With a real clock time moves by itself and this only catches up. Returns minutes published."""
        with self._tick_lock:
            advance = getattr(self.clock, "advance", None)
            if callable(advance) and seconds > 0:
                advance(seconds)
            return self.ticker.advance()

    def start_ticker(self, interval_seconds: float = 2.0, sim_seconds_per_tick: float = 60.0) -> None:
        """Tick in a background thread until stop()."""
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.wait(interval_seconds):
                try:
                    self.tick(sim_seconds_per_tick)
                except Exception as exc:  # stderr belongs to the TUI; keep the error for whoever asks
                    self.last_ticker_error = exc

        self._thread = threading.Thread(target=run, name="nexus-sim-ticker", daemon=True)
        self._thread.start()

    # -- drill and test knobs ------------------------------------------------------------------------

    def set_replica_lag(self, replica_id: str, seconds: float | None) -> None:
        """Pin ReplicaLag of an RDS replica (None: back to the natural noise)."""
        self.ticker.set_replica_lag(replica_id, seconds)

    def stop_replication(self, replica_id: str) -> None:
        """Break replication: an RDS replica reports lag -1 and status error; a bucket pair stops copying."""
        self.ticker.stop_replication(replica_id)

    def resume_replication(self, replica_id: str) -> None:
        self.ticker.resume_replication(replica_id)

    def set_free_storage(self, db_id: str, free_bytes: float | None) -> None:
        self.ticker.set_free_storage(db_id, free_bytes)

    def set_health(self, up: bool) -> None:
        if self._health is None:
            raise RuntimeError("SimEnvironment is not started")
        self._health.set_up(up)
