"""Patches of moto's S3 responses for the simulated accounts, where moto 5 answers unlike real S3.

- ListBuckets: real S3 has returned each bucket's BucketRegion (and paginated with MaxBuckets /
  ContinuationToken) since late 2024; moto 5.2 returns neither, so without this patch a client would need one
  GetBucketLocation per bucket. Stock moto behaviour stays for accounts no SimEnvironment registered, which
  is how the adapter tests keep exercising the GetBucketLocation fallback.
- GetBucketVersioning: moto never reports MFADelete (it cannot be set without the root account's MFA device
  on real AWS either); the simulator keeps the plan's MFA Delete state per bucket and answers it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.s3.responses import S3Response

# account id -> bucket -> "Enabled" / "Disabled"; only accounts listed here are answered the real-S3 way.
MFA_DELETE: dict[str, dict[str, str]] = {}


def set_mfa_delete(account_id: str, bucket: str, enabled: bool) -> None:
    MFA_DELETE.setdefault(account_id, {})[bucket] = "Enabled" if enabled else "Disabled"


def install(active: Callable[[str], bool]) -> None:
    stock_list = S3Response.all_buckets
    stock_versioning = S3Response.get_bucket_versioning

    def all_buckets(self: S3Response) -> Any:
        if not active(self.current_account):
            return stock_list(self)
        self.data["Action"] = "ListAllMyBuckets"
        self._authenticate_and_authorize_s3_action()
        found = self.backend.list_buckets(
            prefix=self._get_param("prefix"), bucket_region=self._get_param("bucket-region"), max_buckets=None
        )
        found = sorted(found, key=lambda b: b.name)
        after = self._get_param("continuation-token")
        if after:
            found = [b for b in found if b.name > after]
        page_size = int(self._get_param("max-buckets") or 10000)
        page = found[:page_size]
        result: dict[str, Any] = {
            "Owner": {"ID": "bcaf1ffd86f41161ca5fb16fd081034f", "DisplayName": "webfile"},
            "Buckets": [
                {"Name": b.name, "CreationDate": b.creation_date_ISO8601, "BucketRegion": b.region_name} for b in page
            ],
        }
        if len(found) > page_size:
            result["ContinuationToken"] = page[-1].name
        self.data["Action"] = "ListBuckets"
        return self.serialized(ActionResult(result))

    def get_bucket_versioning(self: S3Response) -> Any:
        if not active(self.current_account):
            return stock_versioning(self)
        result = {"Status": self.backend.get_bucket_versioning(self.bucket_name)}
        mfa = MFA_DELETE.get(self.current_account, {}).get(self.bucket_name)
        if mfa and result["Status"]:
            result["MFADelete"] = mfa
        self.data["Action"] = "GetBucketVersioning"
        return self.serialized(ActionResult(result))

    S3Response.all_buckets = all_buckets  # type: ignore[method-assign]
    S3Response.get_bucket_versioning = get_bucket_versioning  # type: ignore[method-assign]
