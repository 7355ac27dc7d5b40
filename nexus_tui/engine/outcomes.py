"""The shapes of step execution (errors, preview, progress, result) without the AWS SDK behind them, so a
front end that only reads or records (`incident list`, the wall) does not pay for importing aiobotocore."""

from __future__ import annotations

from nexus_tui.sources.aws.action_types import (
    ActionError,
    ActionPreview,
    ActionProgress,
    ActionResult,
    ConfirmationError,
    MutationNotAllowed,
)

__all__ = [
    "ActionError",
    "ActionPreview",
    "ActionProgress",
    "ActionResult",
    "ConfirmationError",
    "MutationNotAllowed",
]
