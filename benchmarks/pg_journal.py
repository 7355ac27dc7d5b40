"""PostgreSQL journal figures: durable append latency, follow latency from machine A to machine B
(LISTEN/NOTIFY + read), and what 10 followers on one incident cost the server (transactions/s) and the client (CPU).

    python benchmarks/pg_journal.py [--url postgresql://...] [--appends 1000] [--events 300] [--seconds 10]
                                    [--heads 200x500] [--heads-only]

Without --url a throwaway PostgreSQL 16 (pgserver) is started on a Unix socket. The writer runs in another
process (machine A) and stamps each event with the wall time it called append(); the follower (machine B) takes
the difference when the event arrives in its feed, so the figure covers commit, NOTIFY, wake-up and read.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from nexus_tui.journal.postgres import PostgresJournal

WRITER = """
import sys, time
from datetime import UTC, datetime
from nexus_tui.journal.postgres import PostgresJournal
url, incident, n, gap = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with PostgresJournal(url) as j:
    seq = j.heads().get(incident, 0)
    for i in range(n):
        j.append(incident, "note", {"t0": time.time(), "i": i}, at=datetime.now(UTC), actor="a",
                 aws_identity=None, expect_seq=seq)
        seq += 1
        time.sleep(gap)
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:.2f} ms  p99 {pct(values, 99) * 1000:.2f} ms  max {max(values) * 1000:.2f} ms"


def server_url(given: str | None) -> str:
    if given:
        return given
    import pgserver

    pgdata = Path(tempfile.mkdtemp(prefix="nexus-pg-bench-")) / "data"
    admin = pgserver.get_server(pgdata, cleanup_mode="delete").get_uri()
    name = "bench_" + uuid.uuid4().hex[:8]
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(admin)._replace(path="/" + name))


def bench_appends(url: str, n: int) -> list[float]:
    out = []
    with PostgresJournal(url) as j:
        j.append("INC-APPEND", "declared", {}, at=datetime.now(UTC), actor="b", aws_identity=None, expect_seq=0)
        for i in range(n):
            t0 = time.perf_counter()
            j.append(
                "INC-APPEND", "note", {"i": i}, at=datetime.now(UTC), actor="b", aws_identity=None, expect_seq=i + 1
            )
            out.append(time.perf_counter() - t0)
    return out


def seed(url: str, incidents: int, events: int) -> None:
    """incidents x events chained rows, written one seq at a time for all incidents (the link trigger checks
    each row's predecessor, which an earlier statement wrote)."""
    from nexus_tui.journal.chain import GENESIS

    with PostgresJournal(url):  # creates the schema
        pass
    with psycopg.connect(url, autocommit=True) as conn:
        for seq in range(1, events + 1):
            prev = f"'{GENESIS}'" if seq == 1 else f"'h-' || g || '-' || {seq - 1}"
            conn.execute(
                "INSERT INTO journal_events (incident_id, seq, type, at, actor, aws_identity, payload, prev_hash,"
                f" hash) SELECT 'INC-H' || g, {seq}, CASE WHEN {seq} = 1 THEN 'declared' ELSE 'note' END,"
                f" '2026-01-01T00:00:00.000000Z', 'b', NULL, '{{}}', {prev}, 'h-' || g || '-' || {seq}"
                f" FROM generate_series(1, {incidents}) g"
            )
        conn.execute("ANALYZE journal_events")


def bench_heads(url: str, incidents: int, events: int, rounds: int = 200) -> tuple[list[float], list[float]]:
    """heads() as it is now, and the GROUP BY it replaced, on incidents x events rows."""
    seed(url, incidents, events)
    old, new = [], []
    with PostgresJournal(url) as j, psycopg.connect(url, autocommit=True) as conn:
        assert len(j.heads()) >= incidents
        for _ in range(rounds):
            t0 = time.perf_counter()
            conn.execute("SELECT incident_id, max(seq) FROM journal_events GROUP BY incident_id").fetchall()
            old.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            j.heads()
            new.append(time.perf_counter() - t0)
    return old, new


def start_writer(url: str, incident: str, n: int, gap: float) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", WRITER, url, incident, str(n), str(gap)])


async def follow_latency(url: str, events: int) -> list[float]:
    with PostgresJournal(url) as b:
        b.append("INC-FOLLOW", "declared", {}, at=datetime.now(UTC), actor="b", aws_identity=None, expect_seq=0)
        feed = b.follow(b.heads())
        first = asyncio.ensure_future(anext(feed))
        await asyncio.sleep(0.5)  # the follower is listening
        writer = start_writer(url, "INC-FOLLOW", events, 0.02)
        latencies: list[float] = []
        pending = first
        while len(latencies) < events:
            batch = await pending
            now = time.time()
            latencies += [now - e.payload["t0"] for e in batch if "t0" in e.payload]
            pending = asyncio.ensure_future(anext(feed))
        pending.cancel()
        await feed.aclose()  # type: ignore[attr-defined]
        writer.wait()
    return latencies


def xacts(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_clear_snapshot()")
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


async def ten_followers(url: str, seconds: float, rate: float) -> tuple[float, float, float, float]:
    """(server xacts/s idle, followers' CPU % idle, server xacts/s at `rate` events/s, followers' CPU % then).
    The 10 followers share this process, so its CPU time is theirs; the writer is another process."""
    with PostgresJournal(url) as b:
        b.append("INC-TEN", "declared", {}, at=datetime.now(UTC), actor="b", aws_identity=None, expect_seq=0)
        feeds = [b.follow(b.heads()) for _ in range(10)]
        received = [0] * 10

        async def drain(i: int) -> None:
            async for batch in feeds[i]:
                received[i] += len(batch)

        tasks = [asyncio.create_task(drain(i)) for i in range(10)]
        await asyncio.sleep(1.0)
        figures = []
        for writing in (False, True):
            n = int(seconds * rate)
            writer = start_writer(url, "INC-TEN", n, 1 / rate) if writing else None
            x0, c0, t0 = xacts(url), time.process_time(), time.perf_counter()
            await asyncio.sleep(seconds)
            x1, c1, t1 = xacts(url), time.process_time(), time.perf_counter()
            if writer is not None:
                await asyncio.to_thread(writer.wait)
            # Minus the statistics queries themselves (two statements each).
            figures += [(x1 - x0 - 4) / (t1 - t0), 100 * (c1 - c0) / (t1 - t0)]
        for _ in range(100):  # let the last events arrive before counting them
            if min(received) >= int(seconds * rate):
                break
            await asyncio.sleep(0.1)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        print(f"  events seen by each follower: {sorted(set(received))}")
    return figures[0], figures[1], figures[2], figures[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a database to use (default: start a throwaway pgserver)")
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--heads", default="200x500", metavar="INCIDENTSxEVENTS", help="rows for the heads() figure")
    parser.add_argument("--heads-only", action="store_true")
    args = parser.parse_args()
    url = server_url(args.url)
    shown = PostgresJournal(url)
    print(f"PostgreSQL journal at {shown.location}")
    shown.close()
    incidents, events = (int(n) for n in args.heads.split("x"))
    old, new = bench_heads(url, incidents, events)
    print(f"heads() over {incidents} incidents x {events} events, GROUP BY (before): {ms(old)}")
    print(f"heads() over {incidents} incidents x {events} events, skip scan (now):   {ms(new)}")
    if args.heads_only:
        return
    print(f"append (durable commit, read-check-insert):  {ms(bench_appends(url, args.appends))}")
    print(f"follow latency A -> B ({args.events} events): {ms(asyncio.run(follow_latency(url, args.events)))}")
    idle_q, idle_cpu, busy_q, busy_cpu = asyncio.run(ten_followers(url, args.seconds, 10.0))
    print(f"10 followers idle:            server {idle_q:.1f} xact/s   client CPU {idle_cpu:.1f} %")
    print(f"10 followers, 10 events/s:    server {busy_q:.1f} xact/s   client CPU {busy_cpu:.1f} % (followers only)")


if __name__ == "__main__":
    main()
