"""Keep Secrets Manager payloads out of logs.

At DEBUG, botocore logs every request body and response body; for GetSecretValue and PutSecretValue those
hold the secret. A logger's filters only see records made by that very logger, so the filter goes on each
logger known to log bodies. Records that mention a SecretString are dropped whole.
"""

from __future__ import annotations

import logging

_BODY_LOGGERS = (
    "botocore.endpoint",
    "botocore.parsers",
    "botocore.hooks",
    "botocore.retryhandler",
    "aiobotocore.endpoint",
    "aiobotocore.parsers",
    "aiobotocore.httpsession",
)
_MARKERS = ("SecretString", "SecretBinary")


class DropSecretPayloads(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not ours to fix; keep it out rather than crash logging
            return False
        return not any(m in text for m in _MARKERS)


_FILTER = DropSecretPayloads()


def install() -> None:
    """Idempotent: adding the same filter object twice is a no-op."""
    for name in _BODY_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
