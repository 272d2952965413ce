"""The checks a ``LexofficeClient`` makes of its settings, once, when it is made."""

from __future__ import annotations

import httpx

from ..errors import ConfigurationError
from ..rules import origin_of, require_secure_url

__all__ = ["check_auth", "check_base_url", "check_deadline", "check_limit"]


def check_base_url(base_url: str) -> httpx.URL:
    if not isinstance(base_url, str):
        raise ConfigurationError(f"base_url must be a str, not {type(base_url).__name__}")
    require_secure_url(base_url, "base_url")  # https, or http to a loopback host
    try:
        url = httpx.URL(base_url.rstrip("/"))
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {base_url!r}") from exc
    if url.query or url.fragment:
        raise ConfigurationError(f"base_url must have no query or fragment, got {base_url!r}")
    return url


def _origin(url: str) -> str:
    # Through httpx first, so that an internationalised host compares in one spelling.
    return origin_of(str(httpx.URL(url)))


def check_auth(auth: object, base: httpx.URL) -> None:
    if not callable(getattr(auth, "async_auth_flow", None)):
        raise ConfigurationError(
            "auth must be an httpx.Auth such as ApiKeyAuth or LexofficeAuth, "
            f"not {type(auth).__name__}"
        )
    origins = getattr(auth, "api_origins", None)
    if origins is None:
        return
    if isinstance(origins, str):
        origins = (origins,)
    normalized = set()
    for origin in origins:
        try:
            normalized.add(_origin(str(origin)))
        except (httpx.InvalidURL, ValueError):  # ConfigurationError is a ValueError too
            continue
    here = _origin(str(base))
    if here not in normalized:
        raise ConfigurationError(
            f"the auth may send its credential only to {sorted(normalized)}, but base_url is "
            f"{here}: pass api_origins=[{here!r}] to the auth, or use one of its origins as "
            "base_url"
        )


def check_deadline(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1e6:
        raise ConfigurationError(f"{name} must be a number of seconds > 0, got {value!r}")
    return float(value)


def check_limit(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"max_bytes must be an int >= 1, got {value!r}")
    return value
