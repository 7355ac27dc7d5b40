"""The pure part: which messages an event produces, where they go, how they read; settings parsing."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.incident import IncidentState
from nexus_tui.domain.rto import compute_timers
from nexus_tui.domain.runbook import SlackPost, Step
from nexus_tui.domain.slack_delivery import Debounce
from nexus_tui.domain.slack_messages import (
    DRILL_PREFIX,
    Routing,
    SlackPreview,
    messages_for,
    preview_slack_step,
    render,
    root_update,
)
from nexus_tui.domain.slack_templates import render_template, unknown_template_fields
from nexus_tui.sources.slack.settings import (
    Secret,
    SlackSettingsError,
    load_slack_settings,
    parse_slack,
)
from tests.incident_fixtures import Log


def test_declare_makes_the_root_in_the_incident_channel() -> None:
    log = Log()
    (spec,) = messages_for(None, "declared", log.events[0].payload, 1, Routing())
    assert (spec.key, spec.channel) == ("root", "#incident-response")
    r = render("INC-1", spec.payload)
    assert r.text.startswith("SEV2 INC-1: RDS failover")
    assert "*RTO target* 30m00s" in r.blocks[1]["text"]["text"]
    assert "*IC* alice" in r.blocks[1]["text"]["text"]


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (tr.Draft("step_started", {"step_id": "verify"}), ":arrow_forward: Step 1/5 Verify the primary is down"),
        (tr.Draft("step_skipped", {"step_id": "verify", "reason": "known"}), "skipped: known"),
        (tr.Draft("step_failed", {"step_id": "verify", "reason": "no access"}), "failed: no access"),
        (tr.Draft("note", {"text": "lag 4 s", "share": True}), ":memo: note: lag 4 s"),
        (tr.Draft("precondition_override", {"step_id": "verify", "reason": "lag known"}), "override on Step 1/5"),
        (
            tr.Draft(
                "aws_request",
                {"action": "rds.promote_read_replica", "region": "us-west-2", "request_id": "r-1"}
                | {"outcome": "unknown"},
            ),
            ":question: AWS rds.promote_read_replica in us-west-2 · outcome unknown · request id `r-1`",
        ),
        (tr.Draft("params_supplied", {"values": {"db_password": "hunter2"}}), "parameters supplied: db_password"),
    ],
)
def test_thread_messages(draft: tr.Draft, expected: str) -> None:
    (spec,) = messages_for(Log().state, draft.type, draft.payload, 2, Routing())
    assert spec.key == "ev:2" and spec.payload["role"] == "thread"
    assert expected in spec.payload["text"]
    assert "hunter2" not in str(spec.payload)


def test_time_driven_news_pings_the_escalation_group() -> None:
    state = Log().state
    routing = Routing(mention="<!subteam^S1>")
    (esc,) = messages_for(state, "escalated", {"who": "Team lead"}, 2, routing)
    assert esc.payload["text"] == ":rotating_light: escalation: engage Team lead now <!subteam^S1>"
    (late,) = messages_for(
        state, "step_overdue", {"step_id": "verify", "elapsed_seconds": 250, "expected_seconds": 120}, 3, routing
    )
    assert "Step 1/5 Verify the primary is down has run 4m10s, over twice its 2m00s" in late.payload["text"]
    (rto,) = messages_for(
        state, "rto_projection_exceeded", {"projected_seconds": 2000, "target_seconds": 1800}, 4, routing
    )
    assert "33m20s is past the RTO target 30m00s" in rto.payload["text"]


def test_unshared_notes_and_claims_stay_out_of_slack() -> None:
    state = Log().state
    assert messages_for(state, "note", {"text": "x"}, 2, Routing()) == []
    assert messages_for(state, "step_claimed", {"step_id": "promote"}, 2, Routing()) == []


def test_resolve_reports_rto_and_asks_for_the_head_hash() -> None:
    log = Log()
    at = log.state.declared_at + timedelta(minutes=25)
    (spec,) = messages_for(log.state, "resolved", {"summary": "ok"}, 2, Routing(), at)
    assert spec.payload["anchor"] is True
    assert "RTO 25m00s vs target 30m00s (met)" in spec.payload["text"]


def test_drill_routing() -> None:
    drill = Log(drill=True)
    payload = drill.events[0].payload
    (spec,) = messages_for(None, "declared", payload, 1, Routing())
    assert spec.channel == "" and "drill_channel" in spec.payload["unroutable"]
    (spec,) = messages_for(None, "declared", payload, 1, Routing(drill_channel="#dr"))
    assert spec.channel == "#dr"
    (spec,) = messages_for(None, "declared", payload, 1, Routing(drill_in_production=True))
    assert spec.channel == "#incident-response"
    assert render("INC-1", spec.payload).text.startswith(DRILL_PREFIX)
    # Stakeholders of a drill are never the real stakeholder channel.
    assert Routing(stakeholder_channel="#exec", drill_channel="#dr").stakeholders(True) == "#dr"
    assert Routing(stakeholder_channel="#exec").stakeholders(True) is None


def _slack_state(template: str, channel: str = "stakeholder", drill: bool = False) -> tuple[IncidentState, Step]:
    log = Log(drill=drill)
    state = log.state
    step = Step("tell", "Tell stakeholders", "slack", 60.0, slack=SlackPost(template, channel))
    runbook = replace(state.runbook, steps=(step, *state.runbook.steps[1:]))
    return replace(state, runbook=runbook), step


def test_slack_step_posts_its_template_to_stakeholders() -> None:
    state, step = _slack_state("Failover of ${incident.id} done")
    specs = messages_for(state, "step_confirmed", {"step_id": step.id}, 2, Routing(stakeholder_channel="#exec"))
    assert [s.channel for s in specs] == ["#incident-response", "#exec"]
    assert specs[1].payload["text"] == "Failover of INC-1 done" and specs[1].payload["role"] == "top"
    # Nothing is posted when the step is skipped or merely started.
    assert [s.key for s in messages_for(state, "step_skipped", {"step_id": step.id, "reason": "x"}, 2, Routing())] == [
        "ev:2"
    ]


@pytest.mark.parametrize(
    ("channel", "drill", "routing", "expected"),
    [
        ("stakeholder", False, Routing(stakeholder_channel="#exec"), "#exec"),
        ("stakeholder", False, Routing(), "#incident-response"),  # no stakeholder channel: the incident channel
        ("incident", False, Routing(stakeholder_channel="#exec"), "#incident-response"),
        ("#board", False, Routing(stakeholder_channel="#exec"), "#board"),
        # A drill never reaches a real channel, whatever the step names.
        ("#board", True, Routing(stakeholder_channel="#exec", drill_channel="#dr"), "#dr"),
        ("stakeholder", True, Routing(stakeholder_channel="#exec", drill_channel="#dr"), "#dr"),
        ("incident", True, Routing(stakeholder_channel="#exec"), ""),  # unroutable: kept, dropped with the reason
    ],
)
def test_slack_step_channel_routing(channel: str, drill: bool, routing: Routing, expected: str) -> None:
    state, step = _slack_state("hello", channel, drill)
    spec = messages_for(state, "step_confirmed", {"step_id": step.id}, 2, routing)[-1]
    assert spec.key == "stakeholders:2" and spec.channel == expected
    assert ("unroutable" in spec.payload) == (expected == "")


def test_template_fields_and_params() -> None:
    state = replace(Log().state, params={"region": "us-west-2"})
    assert render_template("${incident.severity} in ${region}; ${unknown}", state) == "SEV2 in us-west-2; ${unknown}"


def test_root_update_status_line() -> None:
    log = Log()
    log.do(lambda s: tr.start(s, "verify"))
    state = log.state
    timers = compute_timers(state, state.declared_at + timedelta(minutes=3), 1800)
    r = root_update("INC-1", {"facts": {"severity": "SEV2", "runbook_title": "RDS failover"}}, state, timers)
    assert "step 1 of 5 · elapsed 3m00s / RTO 30m00s · projected finish" in r.text
    assert r.text.endswith("last: step started")


def test_debounce_rule() -> None:
    d = Debounce(5)
    d.changed("a")
    assert d.due(0) == ["a"]
    d.sent("a", 0)
    d.changed("a")
    assert d.due(4.9) == [] and d.next_due(4.0) == pytest.approx(1.0)
    assert d.due(5.0) == ["a"]
    d.sent("a", 5.0)
    assert d.due(100) == [] and d.next_due(100) is None


@settings(deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=50))
def test_debounce_never_sends_twice_within_the_window(times: list[float]) -> None:
    d = Debounce(5)
    sent: list[float] = []
    for t in sorted(times):
        d.changed("a")
        if d.due(t):
            d.sent("a", t)
            sent.append(t)
    assert all(b - a >= 5 - 1e-9 for a, b in itertools.pairwise(sent))
    assert sent  # the first change always goes


# -- settings ----------------------------------------------------------------------------------------------


def test_settings_from_table_and_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[slack]\nchannel = "#ir"\ndrill_channel = "#drills"\nmention = "<!subteam^S1>"\n')
    env = {"SLACK_BOT_TOKEN": "xoxb-secret", "NEXUS_TUI_SLACK_API_URL": "http://127.0.0.1:9/api"}
    s = load_slack_settings(cfg, env)
    assert s.mode == "bot" and s.routing.channel == "#ir" and s.routing.drill_channel == "#drills"
    assert s.api_url == "http://127.0.0.1:9/api/"
    assert "xoxb-secret" not in repr(s) and "xoxb-secret" not in s.describe()
    assert s.token == Secret("xoxb-secret") and f"{s.token}" == "***"
    assert load_slack_settings(cfg, {}).mode == "off"
    assert load_slack_settings(None, {"SLACK_WEBHOOK_URL": "https://hooks.slack.com/x"}).mode == "webhook"


def test_settings_errors_name_file_line_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[aws]\n\n[slack]\nchannel = "#ir"\ntoken = "xoxb-oops"\n')
    with pytest.raises(SlackSettingsError) as err:
        load_slack_settings(cfg, {})
    assert str(err.value).startswith(f"{cfg}:5: slack.token: unknown key")
    assert "xoxb-oops" not in str(err.value)
    with pytest.raises(SlackSettingsError, match="must be true or false"):
        parse_slack({"drill_in_production": "yes"}, {})
    with pytest.raises(SlackSettingsError, match="channel name"):
        parse_slack({"channel": "not a channel!"}, {})


def test_slack_step_preview_and_template_validation() -> None:
    state, step = _slack_state("All clear for ${incident.id} (${incident.severity}, RTO ${incident.rto})", drill=True)
    assert preview_slack_step(state, step.id, Routing(drill_channel="#dr")) == SlackPreview(
        "#dr", f"{DRILL_PREFIX}All clear for INC-1 (SEV2, RTO 30m00s)", "posted on confirm"
    )
    off = preview_slack_step(state, step.id, Routing(drill_channel="#dr"), configured=False)
    assert off is not None and off.status == "not sent: Slack not configured"
    nowhere = preview_slack_step(state, step.id, Routing())
    assert nowhere is not None and nowhere.channel is None and "drill_channel" in nowhere.status
    assert preview_slack_step(state, "promote", Routing()) is None  # not a slack step
    assert unknown_template_fields("${app_url} ${incident.ic} ${incident.nope} ${typo}", ["app_url"]) == [
        "incident.nope",
        "typo",
    ]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_payloads = st.dictionaries(
    st.sampled_from(["role", "text", "drill", "facts", "step_id", "reason", "values", "outcome", "action", "region"])
    | st.text(max_size=8),
    _json,
    max_size=8,
)


@settings(deadline=None)  # a loaded machine is slow, not wrong
@given(_payloads)
def test_render_survives_any_stored_payload(payload: dict) -> None:
    r = render("INC-1", payload)
    assert r.text and r.blocks
    assert "\x1b" not in r.text


@settings(deadline=None)
@given(
    st.sampled_from(
        [
            "step_started",
            "step_failed",
            "note",
            "aws_request",
            "precondition_override",
            "params_supplied",
            "rpo_recorded",
            "resolved",
            "escalated",
            "step_overdue",
            "rto_projection_exceeded",
            "x",
        ]
    ),
    _payloads,
)
def test_policy_survives_any_event_payload(event_type: str, payload: dict) -> None:
    for spec in messages_for(Log().state, event_type, payload, 2, Routing()):
        assert render("INC-1", spec.payload).text
