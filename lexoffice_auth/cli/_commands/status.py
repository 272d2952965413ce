"""``lexoffice-auth status``: who is logged in, provider, scopes, expiry (no secrets)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import click

from .._loopback import _duration
from .._profile import Profile
from ._context import State, out, run, shared_options

__all__ = ["status"]


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def _options(fapi: dict[str, Any]) -> str:
    """``--fapi2 --client-key /path`` style: how the login was made (no secrets in it)."""
    words = []
    if "par" in fapi:
        words.append("--par" if fapi["par"] else "--no-par")
    words += [f"--{name}" for name in ("dpop", "fapi2") if fapi.get(name)]
    for name in ("client_key_file", "client_key_id", "auth_method"):
        if name in fapi:
            flag = "client-key" if name == "client_key_file" else name.replace("_", "-")
            words.append(f"--{flag} {fapi[name]}")
    return " ".join(words)


@click.command()
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON.")
@shared_options
def status(as_json: bool) -> None:
    """Show who is logged in, the provider, scopes, expiry and the token store (no secrets)."""

    async def main(state: State) -> None:
        import time

        settings = state.settings()
        profile = await Profile.load(settings)
        info: dict[str, Any] = {
            "profile": profile.name,
            "store": str(profile.store.path),
            "logged_in": profile.tokens is not None,
        }
        origin = settings.api_key_origin()
        if origin is not None:
            what = origin.lstrip("$") if origin.startswith("$") else f"api_key in {origin}"
            info["env_api_key"] = f"{what} is set and is used instead of the store"
        tokens = profile.tokens
        if tokens is not None:
            marker = profile.marker
            info["kind"] = profile.kind
            if profile.kind == "oauth":
                info["provider"] = marker.get("provider")
                info["issuer"] = marker.get("issuer")
                info["client_id"] = marker.get("client_id")
            if tokens.id_claims is not None:
                info["user"] = tokens.id_claims.email or tokens.id_claims.sub
                info["subject"] = tokens.id_claims.sub
            info["token_type"] = tokens.token_type
            if tokens.dpop_key is not None:
                # The thumbprint the provider bound the token to; never the key.
                info["dpop_jkt"] = tokens.dpop_key.jkt
            fapi = marker.get("fapi")
            if isinstance(fapi, dict) and fapi:
                info["fapi"] = dict(fapi)  # options and the key's path: no secret
            info["scopes"] = list(tokens.scopes)
            info["expires_at"] = _when(tokens.expires_at) if tokens.expires_at else None
            if tokens.expires_at is not None:
                info["expires_in"] = int(tokens.expires_at - time.time())
            info["refresh_token"] = tokens.refresh_token is not None
            info["api_base"] = profile.api_base(settings)
        if as_json:
            click.echo(json.dumps(info, indent=2))
            return
        out(f"Profile:        {info['profile']}")
        out(f"Token store:    {info['store']}")
        if "env_api_key" in info:
            out(f"Note:           {info['env_api_key']}")
        if tokens is None:
            out("Logged in:      no (run `lexoffice-auth login`)")
            return
        kinds = {"oauth": "OAuth login", "api_key": "API key", "unknown": "token set"}
        out(f"Logged in:      yes ({kinds.get(str(info['kind']), '?')})")
        if profile.kind == "oauth":
            name = (
                "lexoffice partner OAuth"
                if info["provider"] == "lexoffice-partner"
                else "OpenID provider"
            )
            out(f"Provider:       {name} {info['issuer']} (client {info['client_id']})")
        if "user" in info:
            out(f"User:           {info['user']}")
        out(f"Scopes:         {' '.join(info['scopes']) or '(none recorded)'}")
        if "dpop_jkt" in info:
            out(f"Token type:     DPoP (bound to key thumbprint {info['dpop_jkt']})")
        else:
            out(f"Token type:     {info['token_type']}")
        if "fapi" in info:
            out(f"Login options:  {_options(info['fapi'])}")
        if tokens.expires_at is None:
            out("Expires:        never by the clock (lexoffice API keys last 24 months)")
        else:
            left = int(info["expires_in"])
            state_text = f"in {_duration(left)}" if left > 0 else "expired (refreshed on next use)"
            out(f"Access token:   expires {info['expires_at']} ({state_text})")
            out(f"Refresh token:  {'yes' if info['refresh_token'] else 'no'}")
        out(f"API base:       {info['api_base']}")

    run(main)
