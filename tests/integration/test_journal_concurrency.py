"""Two processes (the TUI and the CLI) writing one journal at once: nothing lost, the chain stays intact."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.journal.store import Journal, SeqConflict

WRITER = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from nexus_tui.journal.store import Journal, SeqConflict
path, who, n = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
with Journal(path) as j:
    done = 0
    while done < n:
        last = j.events(sys.argv[4])
        try:
            j.append(sys.argv[4], "note", {"who": who, "i": done}, at=datetime.now(UTC), actor=who,
                     aws_identity=None, expect_seq=len(last))
            done += 1
        except SeqConflict:
            pass
"""


def append_retrying(j: Journal, incident: str, who: str, n: int) -> None:
    done = 0
    while done < n:
        try:
            j.append(
                incident,
                "note",
                {"who": who, "i": done},
                at=datetime.now(UTC),
                actor=who,
                aws_identity=None,
                expect_seq=len(j.events(incident)),
            )
            done += 1
        except SeqConflict:
            pass


def test_two_processes_append_to_one_incident(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), who, "60", "INC-1"]) for who in ("tui", "cli")]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    with Journal(path) as j:
        events = j.events("INC-1")
        assert [e.seq for e in events] == list(range(1, 121))
        for who in ("tui", "cli"):
            assert [e.payload["i"] for e in events if e.actor == who] == list(range(60))
        assert j.verify("INC-1").ok


def test_two_connections_in_threads(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as a, Journal(path) as b:
        threads = [threading.Thread(target=append_retrying, args=(j, "INC-1", w, 40)) for j, w in ((a, "a"), (b, "b"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert len(a.events("INC-1")) == 80 and b.verify("INC-1").ok
