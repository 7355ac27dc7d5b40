"""Working offline: what an append costs while the shared journal is unreachable (it goes to the local offline
SQLite file), how long the first append waits to find out, and how fast the offline events merge back.

    python benchmarks/pg_offline.py [--url postgresql://...] [--events 500]

Without --url a throwaway PostgreSQL 16 (pgserver) is started. "Unreachable" is a closed local port (connection
refused at once); a cut network adds the connect timeout (5 s by default) to the first failing call only, after
which the hold-down answers at once.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_journal import ms, server_url

from nexus_tui.journal.offline import OfflineCapableJournal
from nexus_tui.journal.postgres import PostgresJournal
from nexus_tui.journal.sqlite import SqliteJournal

DEAD = "postgresql://nobody@127.0.0.1:9/nexus"  # nothing listens on the discard port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a database to use (default: start a throwaway pgserver)")
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()
    url = server_url(args.url)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        ic = OfflineCapableJournal(PostgresJournal(url), Path(tmp) / "offline", SqliteJournal)
        ic.append("INC-OFF", "declared", {}, at=now, actor="b", aws_identity=None, expect_seq=0)
        live = ic.shared
        ic.shared = PostgresJournal(DEAD, lazy=True)  # the network to the database is cut
        t0 = time.perf_counter()
        ic.append("INC-OFF", "note", {"i": 0}, at=now, actor="b", aws_identity=None, expect_seq=1)
        first = time.perf_counter() - t0
        times = []
        for i in range(1, args.events):
            t0 = time.perf_counter()
            ic.append("INC-OFF", "note", {"i": i}, at=now, actor="b", aws_identity=None, expect_seq=i + 1)
            times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pending = ic.pending_events()
        count_time = time.perf_counter() - t0
        ic.shared = live  # back
        t0 = time.perf_counter()
        result = ic.merge("INC-OFF")
        merge_time = time.perf_counter() - t0
        ok = live.verify("INC-OFF").ok
        ic.close()
    print(f"first append that finds the database unreachable (refused) and goes offline: {first * 1000:.2f} ms")
    print(f"offline append (local SQLite, durable), {len(times)} events: {ms(times)}")
    print(f"pending_events() over {pending} offline events (the banner's count): {count_time * 1000:.2f} ms")
    rate = result.merged / merge_time if merge_time else float("inf")
    print(
        f"merge of {result.merged} events back into PostgreSQL: {merge_time:.2f} s ({rate:.0f} events/s), chain ok={ok}"
    )


if __name__ == "__main__":
    main()
