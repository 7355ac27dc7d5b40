"""The `slack` step kind: parsed and checked with file:line, kept across the journal's JSON, filled in from
the incident, previewed by the step plan, and posted (to the outbox) in the same append as the confirmation."""

from __future__ import annotations

import pytest

from nexus_tui.domain import transitions as tr
from nexus_tui.domain.fold import replay
from nexus_tui.domain.incident import IncidentError
from nexus_tui.domain.runbook import SlackPost
from nexus_tui.domain.runbook_json import runbook_digest, runbook_from_data, runbook_to_data
from nexus_tui.domain.runbook_params import resolve_params, step_placeholders
from nexus_tui.domain.settings import Settings
from nexus_tui.domain.slack_messages import DRILL_PREFIX, Routing
from nexus_tui.domain.step_plan import plan_step
from nexus_tui.engine.views import plan_json, render_plan
from nexus_tui.runbook.loader import parse_runbook
from tests.incident_fixtures import Log, sample_runbook

HEAD = """\
id: notify-test
title: Notify test
trigger: a test
rto_minutes: 30
params:
  region: us-west-2
steps:
  - id: tell
    title: Tell stakeholders
    expected_minutes: 1
"""


def parse(step_body: str, *, open_param: bool = False):  # type: ignore[no-untyped-def]
    head = HEAD.replace("steps:", "  app: null\nsteps:") if open_param else HEAD
    return parse_runbook(head + step_body, "rb.yaml")


def test_slack_step_parses_with_channel_default_and_kind_inferred() -> None:
    runbook, issues = parse("    slack:\n      message: 'Failover of ${incident.id} to ${region} done'\n")
    assert issues == []
    assert runbook is not None
    step = runbook.steps[0]
    assert step.kind == "slack" and step.slack == SlackPost("Failover of ${incident.id} to ${region} done")
    assert step.slack_message == step.slack.message


def test_slack_step_channels() -> None:
    for channel in ("incident", "'#exec'", "C0123ABCD"):
        runbook, issues = parse(f"    kind: slack\n    slack: {{channel: {channel}, message: 'hi ${{region}}'}}\n")
        assert runbook is not None, issues
        assert runbook.steps[0].slack is not None and runbook.steps[0].slack.channel == channel.strip("'")


def test_slack_step_mistakes_are_one_line_with_file_and_line() -> None:
    cases = [
        ("    slack: {message: 'at ${incident.severty}'}\n", 11, "unknown field ${incident.severty} (did you mean"),
        ("    slack: {message: 'at ${regoin}'}\n", 11, "unknown param ${regoin}: declare it under params"),
        ("    slack: {channel: stakeholders, message: hi}\n", 11, "slack channel 'stakeholders' is not stakeholder"),
        ("    slack: {channel: 'not a channel', message: hi}\n", 11, "is not stakeholder or incident"),
        ("    slack: {channel: exec, message: hi}\n", 11, "or a channel name like '#exec'"),
        ("    slack: {text: hi}\n", 11, "step tell: slack: unknown key 'text'"),
        ("    slack: {channel: incident}\n", 11, "step tell: slack: missing required key 'message'"),
        ("    slack: just text\n", 11, "step tell: slack must be a mapping"),
        ("    kind: slack\n", 8, "a kind: slack step needs slack"),
        ("    kind: manual\n    slack: {message: hi}\n", 12, "slack belongs to kind: slack steps"),
    ]
    for body, line, fragment in cases:
        runbook, issues = parse(body)
        errors = [str(i) for i in issues if i.is_error]
        assert runbook is None, body
        assert any(e.startswith(f"rb.yaml:{line}: ") and fragment in e for e in errors), (body, errors)
        assert all("\n" not in e for e in errors)


def test_slack_step_round_trips_and_leaves_other_digests_alone() -> None:
    runbook, _ = parse("    slack: {channel: incident, message: 'hi ${region}'}\n")
    assert runbook is not None
    assert runbook_from_data(runbook_to_data(runbook)) == runbook
    assert runbook_digest(runbook_from_data(runbook_to_data(runbook))) == runbook_digest(runbook)
    plain = sample_runbook()
    assert all("slack" not in s for s in runbook_to_data(plain)["steps"])  # older digests stay as they were


def test_params_fill_the_template_and_open_ones_block_the_step() -> None:
    runbook, _ = parse("    slack: {message: '${app} in ${region}: ${incident.id}'}\n", open_param=True)
    assert runbook is not None
    resolved = resolve_params(runbook, {})
    step = resolved.steps[0]
    assert step.slack is not None and step.slack.message == "${app} in us-west-2: ${incident.id}"
    assert step_placeholders(step) == {"app"}
    log = Log(resolved)
    plan = plan_step(log.state, "tell", None, Settings(), log.clock.now(), routing=Routing())
    assert plan.missing == ("app",) and any("${app}" in b for b in plan.blockers)
    log.add(tr.supply_params(log.state, {"app": "api"}))
    plan = plan_step(log.state, "tell", None, Settings(), log.clock.now(), routing=Routing())
    assert plan.missing == () and plan.next_action == "confirm"
    assert plan.slack is not None and plan.slack.text == "api in us-west-2: INC-1"


def test_plan_previews_channel_and_text_drill_prefixed() -> None:
    runbook, _ = parse("    slack: {message: '${incident.severity} ${incident.id} after ${incident.elapsed}'}\n")
    assert runbook is not None
    log = Log(resolve_params(runbook, {}), drill=True)
    log.clock.advance(180)
    routing = Routing(stakeholder_channel="#exec", drill_channel="#dr")
    plan = plan_step(log.state, "tell", None, Settings(), log.clock.now(), routing=routing)
    assert plan.slack is not None
    assert (plan.slack.channel, plan.slack.status) == ("#dr", "posted on confirm")
    assert plan.slack.text == DRILL_PREFIX + "SEV2 INC-1 after 3m00s"
    assert "slack message to #dr (posted on confirm)" in render_plan(plan, None)
    assert plan_json(plan, None)["slack"]["channel"] == "#dr"
    off = plan_step(log.state, "tell", None, Settings(), log.clock.now())
    assert off.slack is not None and off.slack.status == "not sent: Slack not configured"


def test_confirming_folds_like_any_step() -> None:
    runbook, _ = parse("    slack: {message: hi}\n")
    assert runbook is not None
    log = Log(resolve_params(runbook, {}))
    log.do(lambda s: tr.confirm(s, "tell"))
    assert replay(log.events).steps[0].status == "done"


def test_a_posted_message_cannot_be_undone_but_a_skip_can() -> None:
    runbook, _ = parse("    slack: {message: hi}\n")
    assert runbook is not None
    log = Log(resolve_params(runbook, {}))
    log.do(lambda s: tr.confirm(s, "tell"))
    with pytest.raises(IncidentError, match="its Slack message is already sent or queued; add a note instead"):
        tr.undo(log.state, log.clock.now())
    other = Log(resolve_params(runbook, {}))
    other.do(lambda s: tr.skip(s, "tell", "told them by phone"))
    assert tr.undo(other.state, other.clock.now()).type == "step_undone"
