"""Who the AWS credentials belong to (STS GetCallerIdentity), recorded with each journal event so the
report ties a confirmation to the identity CloudTrail will show. Never fatal: no credentials, no network,
a slow endpoint all give None and the incident carries on with the OS user alone."""

from __future__ import annotations

import asyncio

from aiobotocore.config import AioConfig
from aiobotocore.session import AioSession


async def caller_identity(
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
    limit_seconds: float = 3.0,
) -> str | None:
    """The caller's ARN, or None when it cannot be learned within about `limit_seconds`."""
    config = AioConfig(connect_timeout=limit_seconds, read_timeout=limit_seconds, retries={"max_attempts": 1})
    try:
        session = AioSession(profile=profile)
        async with asyncio.timeout(limit_seconds * 2):
            async with session.create_client(
                "sts", region_name=region or "us-east-1", endpoint_url=endpoint_url, config=config
            ) as client:
                answer = await client.get_caller_identity()
    except Exception:
        # Any failure (missing profile, no credentials, network, throttling) only loses the annotation.
        return None
    arn = answer.get("Arn")
    return str(arn) if arn else None
