"""The shipped runbooks validate and stay faithful to the DR plans (shared/seeds)."""

from __future__ import annotations

import pytest

from nexus_tui.domain.runbook import SUPPORTED_ACTIONS
from nexus_tui.domain.runbook_params import runbook_placeholders
from nexus_tui.resources import shipped_runbooks_dir
from nexus_tui.runbook.library import load_paths

# id -> (minutes per step as in the seed (000) or our split of the seed's upper estimate (003), rto minutes)
SEEDS = {
    "rds-failover": ([2, 5, 1, 5, 2, 2, 1], 30),
    "full-region-failure": ([2, 5, 15, 3, 5, 2, 3, 5], 30),
    "data-corruption-recovery": ([5, 3, 15, 5, 3, 2, 5], 30),
    "s3-object-recovery": ([3, 2, 5, 2], 30),
    "database-corruption": ([10, 5, 25, 10, 5, 5], 240),
    "regional-outage": ([10, 5, 5, 5, 5], 240),
    "data-center-loss": ([5, 60, 90, 30, 15, 40], 240),
    "ransomware": ([30, 15, 90, 180, 90, 75], 240),
    "accidental-deletion": ([5, 5, 12, 5, 3], 240),
}
# The seeds' totals: "~18 minutes" ... and the upper bounds of 003's ranges.
TOTALS = {
    "rds-failover": 18,
    "full-region-failure": 40,
    "data-corruption-recovery": 38,
    "s3-object-recovery": 12,
    "database-corruption": 60,
    "regional-outage": 30,
    "data-center-loss": 240,
    "ransomware": 480,
    "accidental-deletion": 30,
}


@pytest.fixture(scope="module")
def library():  # type: ignore[no-untyped-def]
    return load_paths([shipped_runbooks_dir()])


def test_shipped_runbooks_have_no_errors(library) -> None:  # type: ignore[no-untyped-def]
    assert [str(i) for i in library.errors] == []
    assert sorted(library.ids) == sorted(SEEDS)


def test_only_expected_warnings(library) -> None:  # type: ignore[no-untyped-def]
    # The seed's own totals exceed its RTO for these; the durations are kept and the validator says so.
    warned = sorted(i.path.rsplit("/", 1)[-1] for i in library.warnings)
    assert warned == ["data-corruption-recovery.yaml", "full-region-failure.yaml", "ransomware.yaml"]
    assert all("more than rto_minutes" in i.message for i in library.warnings)


@pytest.mark.parametrize("runbook_id", sorted(SEEDS))
def test_steps_and_durations_match_the_seed(library, runbook_id: str) -> None:  # type: ignore[no-untyped-def]
    runbook = library.get(runbook_id)
    minutes, rto = SEEDS[runbook_id]
    assert [s.expected_seconds / 60 for s in runbook.steps] == minutes
    assert runbook.expected_seconds / 60 == TOTALS[runbook_id]
    assert runbook.rto_seconds == rto * 60
    assert runbook.source


def test_rds_failover_is_the_seeds_runbook_1(library) -> None:  # type: ignore[no-untyped-def]
    rb = library.get("rds-failover")
    assert [s.kind for s in rb.steps] == ["manual", "aws", "aws", "command", "aws", "http", "slack"]
    notify = rb.steps[6].slack
    assert notify is not None and notify.channel == "stakeholder" and "${incident.id}" in notify.message
    promote, secret, dns = rb.steps[1].action, rb.steps[2].action, rb.steps[4].action
    assert promote is not None and secret is not None and dns is not None
    assert promote.name == "rds.promote_read_replica" and rb.steps[1].destructive
    assert rb.steps[1].preconditions[0].check == "replica_lag_below_rpo"
    assert rb.steps[0].preconditions[0].check == "region_unreachable"
    assert secret.name == "secretsmanager.update_secret_endpoint" and secret.region == "${dr_region}"
    assert dns.name == "route53.change_resource_record_sets" and rb.steps[4].destructive
    assert rb.steps[5].http is not None and rb.steps[5].http.url == "${app_url}/api/health"
    # Resource names are params whose defaults are the seed's names.
    assert rb.params["replica_db"] == "securenexus-db-replica-west"
    assert rb.params["dr_region"] == "us-west-2"
    assert rb.params["secret_id"] == "securenexus/secrets"


def test_data_corruption_uses_forensic_snapshot_and_pitr(library) -> None:  # type: ignore[no-untyped-def]
    names = [s.action.name for s in library.get("data-corruption-recovery").steps if s.action]
    assert names[:2] == ["rds.create_db_snapshot", "rds.restore_db_instance_to_point_in_time"]
    s3 = library.get("s3-object-recovery")
    assert s3.steps[1].action is not None and s3.steps[1].action.name == "s3.restore_object_version"
    assert s3.steps[2].command == "aws s3 sync s3://${dr_bucket}/${prefix} s3://${bucket}/${prefix}"


def test_no_shipped_step_hard_codes_a_resource_name(library) -> None:  # type: ignore[no-untyped-def]
    for rb in library.runbooks:
        for step in rb.steps:
            if step.action is not None:
                for value in step.action.params.values():
                    assert "securenexus" not in str(value), (rb.id, step.id)


def test_params_without_default_are_only_values_known_during_an_incident(library) -> None:  # type: ignore[no-untyped-def]
    open_params = {rb.id: runbook_placeholders(rb) - set(rb.params) for rb in library.runbooks}
    assert open_params["rds-failover"] == {"replica_endpoint", "hosted_zone_id", "dr_load_balancer"}
    assert open_params["s3-object-recovery"] == {"object_key", "version_id", "prefix"}
    assert open_params["data-center-loss"] == set()


def test_every_shipped_action_is_supported(library) -> None:  # type: ignore[no-untyped-def]
    for rb in library.runbooks:
        for step in rb.steps:
            assert step.action is None or step.action.name in SUPPORTED_ACTIONS
