"""StopReplicationToReplica for simulated accounts: moto 5.2.5 has no such action.

A DR failover writes the new database endpoint into the secret in the DR region, and there that secret is a
read-only replica; real AWS lets the DR side promote it to a standalone secret without the primary region.
Only accounts a running SimEnvironment registered get it; any other moto server in the process answers
"not implemented", as stock moto does.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

from moto.secretsmanager.exceptions import InvalidRequestException, SecretNotFoundException
from moto.secretsmanager.models import FakeSecret, ReplicaSecret, SecretsManagerBackend
from moto.secretsmanager.responses import SecretsManagerResponse

_ACTION = "stop_replication_to_replica"  # moto's dispatcher maps X-Amz-Target ...StopReplicationToReplica here


def promote_replica(backend: SecretsManagerBackend, secret_id: str) -> FakeSecret:
    """Turn the replica `secret_id` in `backend`'s region into a standalone secret; the primary forgets it."""
    if not backend._is_valid_identifier(secret_id):
        raise SecretNotFoundException()
    replica = backend.secrets[secret_id]
    if not isinstance(replica, ReplicaSecret):
        raise InvalidRequestException(
            f"Secret {secret_id} in {backend.region_name} is not a replica secret; nothing to stop replicating."
        )
    source = replica.source
    standalone = FakeSecret(
        account_id=backend.account_id,
        region_name=backend.region_name,
        secret_id=source.secret_id,
        secret_version={},
        version_id=str(source.default_version_id or ""),
        description=source.description,
        tags=copy.deepcopy(source.tags),
        kms_key_id=source.kms_key_id,
        last_changed_date=source.last_changed_date,
        created_date=source.created_date,
    )
    # Real AWS keeps the replica's ARN and its versions (same ids, same value) on the promoted secret.
    standalone.arn = replica.arn
    standalone.versions = copy.deepcopy(source.versions)
    standalone.set_default_version_id(source.default_version_id)
    # Replicas are stored under their ARN, standalone secrets under their name (as _add_secret does).
    dict.pop(backend.secrets, replica.arn, None)
    backend.secrets[standalone.name] = standalone
    if replica in source.replicas:
        source.replicas.remove(replica)
    return standalone


def install(is_simulated: Callable[[str], bool]) -> None:
    """Give SecretsManagerResponse the action; `is_simulated(account_id)` decides who may use it."""

    def stop_replication_to_replica(self: SecretsManagerResponse) -> str:
        if not is_simulated(self.current_account):
            raise NotImplementedError(f"The {_ACTION} action has not been implemented")
        promoted = promote_replica(self.backend, self._get_param("SecretId"))
        return json.dumps({"ARN": promoted.arn})

    setattr(SecretsManagerResponse, _ACTION, stop_replication_to_replica)
