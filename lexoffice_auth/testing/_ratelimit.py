"""The API's token bucket, on the sandbox's clock: the rule in ``lexoffice_auth.rules``."""

from __future__ import annotations

from lexoffice_auth.rules import RefillingBucket as TokenBucket

__all__ = ["TokenBucket"]
