"""A sender in its own process, over a SQLite journal: `python -m tests.slack.sender_proc DB BUDGET [HOLDER]`.
The restart and two-process tests start it (and kill it); it prints the flush result as JSON and exits 0
when the outbox is empty, 1 otherwise, like `nexus-tui comms flush`."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from nexus_tui.domain.clock import SystemClock
from nexus_tui.engine.comms import Comms
from nexus_tui.sources.slack.settings import load_slack_settings
from tests.slack.support import FAST


async def main(db: Path, budget: float, holder: str | None) -> int:
    from nexus_tui.journal.sqlite import SqliteJournal

    store = SqliteJournal(db)
    comms = Comms(store, load_slack_settings(None), clock=SystemClock(), pacing=FAST, holder=holder)
    try:
        result = await comms.flush(budget)
    finally:
        await comms.stop()
        store.close()
    print(json.dumps({"sent": result.sent, "queued": result.queued, "failed": result.failed}), flush=True)
    return 0 if result.queued == result.failed == 0 else 1


if __name__ == "__main__":
    holder = sys.argv[3] if len(sys.argv) > 3 else None
    sys.exit(asyncio.run(main(Path(sys.argv[1]), float(sys.argv[2]), holder)))
