"""An http:// endpoint (the simulator, a local proxy) has no TLS to verify, so its clients skip loading the CA
bundle; an https endpoint, or none (botocore's own resolution), keeps full certificate verification."""

from __future__ import annotations

from nexus_tui.config import AwsConfig
from nexus_tui.sources.aws.session import AwsClients


async def test_only_plain_http_endpoints_skip_certificate_loading() -> None:
    aws = AwsConfig(
        regions=("us-east-1", "us-west-2", "eu-west-1"),
        endpoints={"us-east-1": "http://127.0.0.1:9", "us-west-2": "https://vpce.example.internal"},
    )
    clients = AwsClients(aws)
    try:
        made = {r: await clients.client("s3", r) for r in aws.regions}
        verify = {r: c._endpoint.http_session._verify for r, c in made.items()}
    finally:
        await clients.aclose()
    assert verify["us-east-1"] is False
    assert verify["us-west-2"] is not False
    assert verify["eu-west-1"] is not False
