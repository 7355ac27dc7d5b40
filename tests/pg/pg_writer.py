"""A second "machine" for tests/pg: run as `python pg_writer.py MODE URL INCIDENT WHO [N]` in its own process.

confirm: read the incident, print "ready", wait for "go" on stdin, then confirm step s1 once; print won/conflict.
notes:   append N notes, re-reading the head and retrying after every SeqConflict.
engine:  the same race through the engine (IncidentService): confirm step "verify"; print won/refused: why.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from nexus_tui.journal.base import SeqConflict
from nexus_tui.journal.postgres import PostgresJournal


def engine_confirm(url: str, incident: str, who: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from nexus_tui.domain.clock import SystemClock
    from nexus_tui.domain.incident import IncidentError
    from nexus_tui.domain.settings import Settings
    from nexus_tui.engine.incidents import IncidentService
    from tests.incident_fixtures import sample_runbook

    svc = IncidentService(
        PostgresJournal(url),
        clock=SystemClock(),
        runbook_loader=lambda _: sample_runbook(),
        settings=Settings(),
        actor=who,
    )
    with svc:
        svc.state(incident)
        print("ready", flush=True)
        sys.stdin.readline()
        try:
            svc.confirm(incident, "verify")
            print("won", flush=True)
        except IncidentError as exc:
            print(f"refused: {exc}", flush=True)


def main(mode: str, url: str, incident: str, who: str, n: int) -> None:
    if mode == "engine":
        engine_confirm(url, incident, who)
        return
    with PostgresJournal(url) as j:
        if mode == "confirm":
            seq = len(j.events_since(incident, 0))
            print("ready", flush=True)
            sys.stdin.readline()
            try:
                j.append(
                    incident,
                    "step_confirmed",
                    {"step_id": "s1"},
                    at=datetime.now(UTC),
                    actor=who,
                    aws_identity=None,
                    expect_seq=seq,
                )
                print("won", flush=True)
            except SeqConflict:
                print("conflict", flush=True)
            return
        done = 0
        while done < n:
            head = j.heads().get(incident, 0)
            try:
                j.append(
                    incident,
                    "note",
                    {"who": who, "i": done},
                    at=datetime.now(UTC),
                    actor=who,
                    aws_identity=None,
                    expect_seq=head,
                )
                done += 1
            except SeqConflict:
                pass


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]) if len(sys.argv) > 5 else 0)
