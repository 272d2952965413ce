"""Token sets and the pure half of the token endpoint: request bodies in, ``TokenSet`` out."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from pydantic import (
    ConfigDict,
    Field,
    Secret,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from .._core.checks import describe_validation_error, is_transient_status
from .._core.model import CheckedModel
from ..errors import ConfigurationError, TokenEndpointError, TokenStoreError
from .claims import IdTokenClaims
from .token_rules import (
    check_dpop_binding,
    check_dpop_jwk,
    check_extra,
    check_token_type,
    check_token_value,
    unstorable,
)

if TYPE_CHECKING:
    from .dpop import DPoPKey

__all__ = [
    "ClientAuthMethod",
    "TokenSet",
    "check_token_set",
    "client_auth",
    "parse_token_error",
    "token_request_error",
    "parse_token_response",
]

ClientAuthMethod = Literal[
    "none", "client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"
]
"""How the client authenticates at the token endpoint (RFC 6749 §2.3, RFC 7523 §2.2, RFC
8414 names)."""


class TokenSet(CheckedModel):
    """The tokens of one grant, immutable; secrets are ``SecretStr``.

    ``expires_at`` and ``issued_at`` are seconds since the epoch. Round-trip through
    JSON for storage with ``to_json`` / ``from_json``; ``repr`` shows no token and
    no personal data from the id_token (``model_dump_json`` masks the tokens but includes
    ``id_claims`` and ``extra``).

    ``generation`` counts the saves of an account's token sets: ``RefreshingTokenSource``
    saves a refreshed set as the stored generation + 1 (a login too), and stores that
    compare generations refuse to overwrite a stored generation ``>=`` the new one with
    ``TokenSetSuperseded``. ``0`` means unversioned: saved
    without that check, as by stores that do not know the field.

    Example:
        >>> t = TokenSet(access_token="abc", expires_at=2.0e9)
        >>> t.access_token
        SecretStr('**********')
        >>> TokenSet.from_json(t.to_json()) == t
        True
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    access_token: SecretStr
    token_type: str = "Bearer"
    expires_at: float | None = None
    issued_at: float | None = None
    refresh_token: SecretStr | None = None
    scopes: tuple[str, ...] = ()
    id_token: SecretStr | None = None
    id_claims: IdTokenClaims | None = Field(default=None, repr=False)
    extra: dict[str, Any] = Field(default_factory=dict, repr=False)
    generation: int = Field(default=0, ge=0, strict=True)
    dpop_jwk: Secret[dict[str, str]] | None = Field(default=None, repr=False)

    @field_validator("access_token", "refresh_token", "id_token")
    @classmethod
    def _header_safe(cls, value: SecretStr | None, info: Any) -> SecretStr | None:
        if value is not None:
            check_token_value(info.field_name, value.get_secret_value())
        return value

    @field_validator("extra")
    @classmethod
    def _storable(cls, value: dict[str, Any]) -> dict[str, Any]:
        # Whatever a TokenSet holds must survive to_json().
        return check_extra(value)

    @field_validator("token_type")
    @classmethod
    def _bearer_or_dpop(cls, value: str) -> str:
        return check_token_type(value)

    @field_validator("dpop_jwk")
    @classmethod
    def _loadable_key(cls, value: Secret[dict[str, str]] | None) -> Secret[dict[str, str]] | None:
        if value is not None:
            check_dpop_jwk(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _bound_to_its_key(self) -> TokenSet:
        check_dpop_binding(self.token_type, self.dpop_jwk is not None)
        return self

    @property
    def dpop_key(self) -> DPoPKey | None:
        """The DPoP key this token set is bound to (loaded from ``dpop_jwk``), if any."""
        if self.dpop_jwk is None:
            return None
        from .dpop import DPoPKey

        return DPoPKey.from_jwk(self.dpop_jwk.get_secret_value())

    @property
    def lifetime(self) -> float | None:
        """Seconds between issue and expiry, when both are known."""
        if self.expires_at is None or self.issued_at is None:
            return None
        return self.expires_at - self.issued_at

    def is_expired(self, now: float, leeway: float = 0.0) -> bool:
        """True when the token expires within ``leeway`` seconds of ``now``.

        A token without ``expires_at`` never expires by the clock (a 401 still refreshes it).
        """
        return self.expires_at is not None and now >= self.expires_at - leeway

    def to_json(self) -> str:
        """Serialise for storage, secrets included. Keep the result as secret as the tokens.

        Raises ``TokenStoreError`` in the one case it can fail: a token set built without
        validation (``model_construct``) that holds values JSON cannot represent.
        """
        data = self.to_dict()
        try:
            return json.dumps(data, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError, RecursionError) as exc:
            raise TokenStoreError(
                f"the token set cannot be serialised ({type(exc).__name__})"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict, secrets included (``TokenStoreError`` if it cannot be one)."""
        try:
            data = self.model_dump(mode="json", exclude_none=True)
        except (TypeError, ValueError, RecursionError) as exc:  # pydantic's errors are these
            raise TokenStoreError(
                f"the token set cannot be serialised ({type(exc).__name__})"
            ) from None
        data["access_token"] = self.access_token.get_secret_value()
        if not self.generation:
            # Unversioned token sets are stored as before this field existed.
            data.pop("generation", None)
        if self.refresh_token is not None:
            data["refresh_token"] = self.refresh_token.get_secret_value()
        if self.id_token is not None:
            data["id_token"] = self.id_token.get_secret_value()
        if self.dpop_jwk is not None:
            data["dpop_jwk"] = dict(self.dpop_jwk.get_secret_value())
        return data

    def __getstate__(self) -> dict[Any, Any]:
        if self.dpop_jwk is not None:
            # A pickle is a copy in clear nobody keeps track of; the key belongs in a store.
            raise ConfigurationError(
                "a TokenSet bound to a DPoP key is not picklable: it holds the private key. "
                "Keep it in a token store (an EncryptedTokenStore encrypts it), or send "
                "to_json() where it stays as secret as the tokens"
            )
        return super().__getstate__()

    @classmethod
    def from_json(cls, data: str | bytes) -> TokenSet:
        """Read back what ``to_json`` wrote; raises ``TokenStoreError`` on bad input."""
        if not isinstance(data, (str, bytes, bytearray)):
            raise TokenStoreError("a stored token set is str or bytes")
        try:
            raw = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise TokenStoreError("stored token set is not valid JSON") from exc
        return cls.from_dict(raw)

    @classmethod
    def from_dict(cls, raw: object) -> TokenSet:
        """Validate a dict written by ``to_dict``; raises ``TokenStoreError``."""
        if not isinstance(raw, dict):
            raise TokenStoreError("stored token set must be a JSON object")
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            raise TokenStoreError(
                f"stored token set is invalid: {describe_validation_error(exc)}"
            ) from exc


def check_token_set(token_set: Any) -> TokenSet:
    """``token_set`` if it is a ``TokenSet`` (only the type is named: a dict may hold secrets)."""
    if not isinstance(token_set, TokenSet):
        raise ConfigurationError(f"expected a TokenSet, not {type(token_set).__name__}")
    return token_set


KEPT_EXTRA = ("connection_id",)
"""Keys of ``TokenSet.extra`` that a refresh carries over from the token set it refreshed."""


def client_auth(
    method: ClientAuthMethod,
    client_id: str,
    client_secret: str | None,
    *,
    form_encode: bool = True,
) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and form fields that authenticate the client (RFC 6749 §2.3.1).

    For ``client_secret_basic`` both parts are form-urlencoded before base64, as the RFC says;
    ``form_encode=False`` sends them raw, as many servers (and lexoffice's partner clients) do.
    The two agree for ids and secrets made of letters, digits and ``-._~``.
    """
    if method == "client_secret_basic":
        user = quote(client_id, safe="") if form_encode else client_id
        password = quote(client_secret or "", safe="") if form_encode else client_secret or ""
        raw = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {raw}"}, {}
    if method == "client_secret_post":
        return {}, {"client_id": client_id, "client_secret": client_secret or ""}
    return {}, {"client_id": client_id}


def _json_object(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _optional_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


# RFC 6749 §5.2 codes that say "later", not "never".
_TRANSIENT_ERRORS = frozenset({"temporarily_unavailable", "server_error"})


def token_request_error(
    error: str,
    *,
    error_description: str | None = None,
    error_uri: str | None = None,
    status_code: int | None = None,
) -> TokenEndpointError:
    """The ``TokenEndpointError`` for an RFC 6749 §5.2 error response.

    Example:
        >>> err = token_request_error("invalid_grant", status_code=400)
        >>> str(err), err.transient
        ('token request failed: invalid_grant [HTTP 400]', False)
    """
    text = f"token request failed: {error}"
    if error_description:
        text += f" ({error_description})"
    if status_code is not None:
        text += f" [HTTP {status_code}]"
    return TokenEndpointError(
        text,
        error=error,
        error_description=error_description,
        error_uri=error_uri,
        status_code=status_code,
        transient=error in _TRANSIENT_ERRORS or is_transient_status(status_code),
    )


def parse_token_error(status_code: int, body: bytes) -> TokenEndpointError:
    """The error for a non-2xx token-endpoint response (RFC 6749 §5.2 when it is one)."""
    return _token_error(status_code, _json_object(body))


def _token_error(status_code: int, data: Mapping[str, Any] | None) -> TokenEndpointError:
    error = data.get("error") if data is not None else None
    if data is not None and isinstance(error, str) and error:
        return token_request_error(
            error,
            error_description=_optional_str(data, "error_description"),
            error_uri=_optional_str(data, "error_uri"),
            status_code=status_code,
        )
    return TokenEndpointError(
        f"token endpoint answered HTTP {status_code} without an OAuth error body",
        status_code=status_code,
        transient=is_transient_status(status_code),
    )


# expires_in as a string: up to 10 ASCII digits (the range check below bounds the value).
_SECONDS = re.compile(r"[0-9]{1,10}")

_KNOWN = frozenset(
    {"access_token", "token_type", "expires_in", "refresh_token", "scope", "id_token"}
)


def parse_token_response(
    status_code: int,
    body: bytes,
    *,
    now: float,
    previous: TokenSet | None = None,
    requested_scopes: tuple[str, ...] = (),
    dpop_jwk: dict[str, str] | None = None,
    require_dpop: bool = False,
) -> TokenSet:
    """Turn a token-endpoint response into a ``TokenSet`` (RFC 6749 §5.1), or raise.

    ``previous`` is the token set being refreshed: its refresh token is kept when the
    response has none, and its id_token claims carry over when no new id_token comes.
    ``dpop_jwk`` is the private JWK of the DPoP key the request was proven with: a
    ``DPoP`` token type needs one (``token_scheme``), and the new set keeps it, as the
    refresh token is bound to it whatever ``token_type`` the access token has.
    ``require_dpop`` refuses a Bearer answer to a DPoP request (FAPI 2.0).
    """
    from .dpop import token_scheme

    if not 200 <= status_code < 300:
        raise parse_token_error(status_code, body)
    data = _json_object(body)
    if data is None:
        raise TokenEndpointError(
            "token endpoint returned a body that is not a JSON object",
            status_code=status_code,
            transient=False,
        )
    if "error" in data:  # an error object, though the status said success
        raise _token_error(status_code, data)

    def bad(reason: str) -> TokenEndpointError:
        return TokenEndpointError(
            f"invalid token response: {reason}", status_code=status_code, transient=False
        )

    access = data.get("access_token")
    if not isinstance(access, str) or not access:
        raise bad("access_token is missing or not a string")
    try:
        scheme = token_scheme(
            data.get("token_type"), dpop=dpop_jwk is not None, require_dpop=require_dpop
        )
    except TokenEndpointError as exc:
        exc.status_code = status_code
        raise
    expires_in = data.get("expires_in")
    expires_at: float | None = None
    if expires_in is not None:
        # Some providers send the number as a string; accept ASCII digits, reject the rest
        # (str.isdigit() is True for "²", and int() refuses 5,000 digits with a ValueError).
        if isinstance(expires_in, str):
            if not _SECONDS.fullmatch(expires_in.strip(" \t")):
                raise bad("expires_in must be a number of seconds")
            expires_in = int(expires_in.strip(" \t"))
        if isinstance(expires_in, bool) or not isinstance(expires_in, (int, float)):
            raise bad("expires_in must be a number")
        if not 0 <= expires_in < 10**9:
            raise bad("expires_in is out of range")
        expires_at = now + float(expires_in)
    refresh = data.get("refresh_token")
    if refresh is not None and (not isinstance(refresh, str) or not refresh):
        raise bad("refresh_token must be a non-empty string")
    scope = data.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise bad("scope must be a string")
    id_token = data.get("id_token")
    if id_token is not None and (not isinstance(id_token, str) or not id_token):
        raise bad("id_token must be a non-empty string")

    if scope is not None:
        scopes = tuple(s for s in scope.replace(",", " ").split() if s)
    elif previous is not None and previous.scopes:
        scopes = previous.scopes
    else:
        scopes = requested_scopes
    if refresh is None and previous is not None and previous.refresh_token is not None:
        refresh_secret: SecretStr | None = previous.refresh_token
    else:
        refresh_secret = SecretStr(refresh) if refresh else None
    # Unknown fields are kept only when they can be stored; the others (nested absurdly
    # deep, say) are dropped rather than make the whole token set unsavable.
    extra = {k: v for k, v in data.items() if k not in _KNOWN and unstorable(v) is None}
    if previous is not None:
        # What the SDK recorded with the tokens (the lexoffice connection id) belongs to
        # the grant, not to one response: it is kept unless the response names it anew.
        for key in KEPT_EXTRA:
            if key in previous.extra and key not in extra:
                extra[key] = previous.extra[key]
    try:
        return TokenSet(
            access_token=SecretStr(access),
            token_type=scheme,
            expires_at=expires_at,
            issued_at=now,
            refresh_token=refresh_secret,
            scopes=scopes,
            id_token=SecretStr(id_token) if id_token else (previous.id_token if previous else None),
            id_claims=previous.id_claims if previous is not None else None,
            extra=extra,
            dpop_jwk=None if dpop_jwk is None else Secret(dpop_jwk),
        )
    except ConfigurationError as exc:  # e.g. a token with characters no header may carry
        raise bad(str(exc).removeprefix("invalid TokenSet: ")) from exc
