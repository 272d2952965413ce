"""A logged-in sandbox account, for the tests that need one (accounts, session, integration).

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
