"""Shared pieces of the production tests: a logged-in sandbox account.

Signed webhook events come from ``tests/support/webhooks.py``.
"""

from __future__ import annotations

import httpx

from lexoffice_auth import OAuthClient, TokenSet
from lexoffice_auth.testing import FakeLexoffice

REDIRECT = "http://127.0.0.1:8400/callback"


def oauth_for(fake: FakeLexoffice, http: httpx.AsyncClient) -> OAuthClient:
    return OAuthClient(
        "sandbox-client",
        REDIRECT,
        issuer=fake.issuer,
        http_client=http,
        clock=fake.clock,
        scopes=("openid", "profile"),
    )


async def log_in(fake: FakeLexoffice, oauth: OAuthClient) -> TokenSet:
    pending = await oauth.start_login()
    return await oauth.complete_login(fake.approve(pending.authorization_url), pending)
