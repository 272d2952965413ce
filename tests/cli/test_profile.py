"""The CLI's profile record: the marker on a token set, and refreshes that keep it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import pytest

from lexoffice_auth import FileTokenStore, TokenSet
from lexoffice_auth.cli._profile import MARKER, Profile, mark
from lexoffice_auth.cli._settings import Settings
from lexoffice_auth.oidc import IdTokenClaims

MARKER_VALUE: dict[str, Any] = {
    "kind": "oauth",
    "provider": "oidc",
    "issuer": "https://id.example",
    "client_id": "my-cli",
    "redirect_uri": "http://127.0.0.1/callback",
    "scopes": ["openid", "email"],
}


def _full_token_set(**changes: Any) -> TokenSet:
    claims = IdTokenClaims(
        iss="https://id.example", sub="42", aud="my-cli", exp=2_000_000_000, iat=1, email="a@b.c"
    )
    values: dict[str, Any] = {
        "access_token": "access-1",
        "expires_at": 2_000_000_000.0,
        "issued_at": 1_999_996_400.0,
        "refresh_token": "refresh-1",
        "scopes": ("openid", "email"),
        "id_token": "a.b.c",
        "id_claims": claims,
        "extra": {"connection_id": "conn-7", "custom": {"n": [1, 2]}},
        "generation": 3,
    }
    values.update(changes)
    return TokenSet(**values)


@pytest.mark.parametrize(
    "tokens",
    [
        _full_token_set(),
        TokenSet(access_token="key-only"),
        _full_token_set(extra={MARKER: {"kind": "old"}}, generation=0),
    ],
    ids=["everything", "api-key", "re-marked"],
)
def test_mark_equals_revalidating_the_whole_token_set(tokens: TokenSet) -> None:
    marked = mark(tokens, MARKER_VALUE)
    revalidated = TokenSet.model_validate(
        {**tokens.to_dict(), "extra": {**tokens.extra, MARKER: MARKER_VALUE}}
    )
    assert marked == revalidated
    assert marked.to_json() == revalidated.to_json()
    assert TokenSet.from_json(marked.to_json()) == marked
    assert marked.extra[MARKER] == MARKER_VALUE
    assert MARKER not in tokens.extra or tokens.extra[MARKER] == {"kind": "old"}  # unchanged


def test_mark_does_not_share_the_marker_dict() -> None:
    marker = dict(MARKER_VALUE)
    marked = mark(TokenSet(access_token="abcd"), marker)
    marker["kind"] = "changed"
    assert marked.extra[MARKER]["kind"] == "oauth"


class _StubOAuth:
    """Stands in for an OAuthClient: refreshes to a new token set without the marker."""

    def __init__(self) -> None:
        self.calls = 0

    def clock(self) -> float:
        return time.time()

    async def refresh(self, token_set: TokenSet) -> TokenSet:
        self.calls += 1
        return TokenSet(
            access_token=f"access-{self.calls + 1}",
            expires_at=time.time() + 3600,
            refresh_token="refresh-2",
            extra={"connection_id": "conn-7"},
        )


@pytest.mark.parametrize("path", ["token", "api"])
def test_both_oauth_paths_refresh_and_keep_the_marker(tmp_path: Path, path: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text("")
    settings = Settings(environ={}, config_path=config, flags={"store": str(tmp_path / "t.json")})
    expired = mark(_full_token_set(expires_at=time.time() - 10), MARKER_VALUE)

    async def main() -> str:
        await FileTokenStore(settings.store_path).save("default", expired)
        profile = await Profile.load(settings)
        assert profile.kind == "oauth"
        oauth: Any = _StubOAuth()
        if path == "api":
            auth: Any = profile.auth(settings, "https://api.example", oauth)
            value: str = await auth.source.access_token()
        else:
            value = await profile._source(oauth).access_token()
        assert oauth.calls == 1
        return value

    assert anyio.run(main) == "access-2"
    stored = anyio.run(FileTokenStore(settings.store_path).load, "default")
    assert stored is not None
    assert stored.access_token.get_secret_value() == "access-2"
    assert stored.extra[MARKER] == MARKER_VALUE
