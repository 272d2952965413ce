"""The URL checks the sandbox needs: the SDK's own, from ``lexoffice_auth.rules``."""

from __future__ import annotations

from lexoffice_auth.rules import is_loopback_host, origin_of, require_secure_url

__all__ = ["is_loopback_host", "origin_of", "require_secure_url"]
