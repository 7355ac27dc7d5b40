"""[[health]] urls with credentials never reach a screen, JSON or log unmasked."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nexus_tui.domain.urls import MASK, mask_in, mask_url


def test_user_info_and_query_values_are_masked() -> None:
    assert mask_url("http://user:PW@host/health?token=T") == "http://user:***@host/health?token=***"
    assert mask_url("https://TOKEN@host:8443/h?a=1&b=&flag#frag") == "https://***@host:8443/h?a=***&b=***&***#***"
    assert mask_url("http://host/health") == "http://host/health"
    assert mask_url("http://[::1") == "http://[::1"  # unparseable for urllib: still handled
    assert mask_url("http://u:p@[::1/x?k=v") == "http://u:***@[::1/x?k=***"


def test_urls_in_error_text_are_masked() -> None:
    url = "http://ops:hunter2@h.example/health?token=abc"
    assert mask_in(f"Cannot connect to {url}: refused", url) == (
        "Cannot connect to http://ops:***@h.example/health?token=***: refused"
    )


_secret = st.text(alphabet=st.characters(blacklist_characters="@/?#&=:", codec="utf-8"), min_size=4, max_size=12)
_plain = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=10)


@given(user=_plain, password=_secret, host=_plain, key=_plain, value=_secret)
def test_no_secret_survives_and_masking_is_idempotent(
    user: str, password: str, host: str, key: str, value: str
) -> None:
    url = f"https://{user}:{password}@{host}/p?{key}={value}"
    masked = mask_url(url)
    assert masked == f"https://{user}:{MASK}@{host}/p?{key}={MASK}"
    assert mask_url(masked) == masked


@given(st.text(max_size=60))
def test_any_text_is_accepted(text: str) -> None:
    assert isinstance(mask_url(text), str)


async def test_the_health_checker_hands_out_masked_urls_only() -> None:
    import socket

    from nexus_tui.config import HealthCheckConfig
    from nexus_tui.domain.clock import SystemClock
    from nexus_tui.sources.http.health import HealthChecker

    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://ops:hunter2@127.0.0.1:{port}/health?token=s3cr3t"
    checker = HealthChecker((HealthCheckConfig(name="api", url=url, timeout_seconds=2.0),), SystemClock())
    try:
        [result] = await checker.check_all()
    finally:
        await checker.aclose()
    assert result.url == f"http://ops:***@127.0.0.1:{port}/health?token=***"
    assert result.status == "down" and "hunter2" not in repr(result) and "s3cr3t" not in repr(result)


def test_an_action_preview_never_shows_endpoint_credentials() -> None:
    from nexus_tui.config import AppConfig, AwsConfig
    from nexus_tui.domain.runbook import AwsAction
    from nexus_tui.sources.aws.actions import preview

    aws = AwsConfig(regions=("us-west-2",), endpoints={"us-west-2": "http://key:hunter2@127.0.0.1:4566/?t=x"})
    shown = preview(
        AwsAction("rds.promote_read_replica", "us-west-2", {"DBInstanceIdentifier": "db"}), AppConfig(aws=aws)
    )
    assert shown.endpoint == "http://key:***@127.0.0.1:4566/?t=***"
    assert "hunter2" not in shown.text and "hunter2" not in shown.cli
