"""An OAuth client's configuration: frozen, checked once; provider quirks as preset data."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import InitVar, dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from .._core.checks import check_seconds, describe_validation_error
from ..errors import ConfigurationError
from ..rules import require_secure_url

if TYPE_CHECKING:
    # The pydantic models load when first used, so importing OAuthClient stays cheap.
    from .assertions import ClientKey
    from .dpop import DPoPKey
    from .metadata import ProviderMetadata
    from .tokens import ClientAuthMethod

__all__ = [
    "ClientConfig",
    "Profile",
    "ProviderPreset",
    "check_scopes",
    "lexoffice_partner_preset",
]

_AUTH_METHODS = (
    None,
    "none",
    "client_secret_basic",
    "client_secret_post",
    "private_key_jwt",
    "client_secret_jwt",
)
_HS256_MIN_BYTES = 32  # RFC 7518 §3.2: an HMAC key at least as long as the hash

Profile = Literal["fapi2"]
"""A security profile a client can be held to: ``"fapi2"``, the FAPI 2.0 Security Profile."""


@dataclass(frozen=True)
class ProviderPreset:
    """How one provider differs from the RFCs' defaults, as data.

    Attributes:
        metadata: static endpoints for a provider without discovery (``None``: discover).
        token_endpoint_auth_method: forced client authentication, if the provider needs one.
        scope_param: the authorization parameter carrying scopes (``scope`` in RFC 6749).
        scope_separator: how scopes are joined (a space in RFC 6749).
        basic_auth_encoding: ``form`` (RFC 6749 §2.3.1) or ``raw`` ``client_id:secret``.
        revocation: whether the provider offers RFC 7009 revocation.

    Example:
        >>> preset = lexoffice_partner_preset()
        >>> preset.scope_param, preset.scope_separator, preset.revocation
        ('scopes', ',', False)
    """

    metadata: ProviderMetadata | None = None
    token_endpoint_auth_method: ClientAuthMethod | None = None
    scope_param: str = "scope"
    scope_separator: str = " "
    basic_auth_encoding: Literal["form", "raw"] = "form"
    revocation: bool = True

    # What a preset decides: a caller's option naming one of these is refused, not merged.
    _FIXED = frozenset(
        {
            "issuer",
            "metadata",
            "auth_method",
            "token_endpoint_auth_method",
            "scope_param",
            "scope_separator",
            "basic_auth_encoding",
            "revocation",
        }
    )

    def client_config(
        self,
        client_id: str,
        redirect_uri: str,
        *,
        client_secret: str,
        scopes: Iterable[str],
        options: Mapping[str, Any],
        name: str,
    ) -> ClientConfig:
        """A ``ClientConfig`` with this preset's fixed choices and the caller's ``options``
        (further ``ClientConfig`` fields); ``name`` names the preset in errors."""
        clash = sorted(self._FIXED.intersection(options))
        if clash:
            raise ConfigurationError(f"the {name} preset sets {', '.join(clash)} itself")
        try:
            return ClientConfig(
                client_id,
                redirect_uri,
                metadata=self.metadata,
                client_secret=client_secret,
                scopes=scopes,  # type: ignore[arg-type]  # checked and made a tuple
                token_endpoint_auth_method=self.token_endpoint_auth_method,
                scope_param=self.scope_param,
                scope_separator=self.scope_separator,
                basic_auth_encoding=self.basic_auth_encoding,
                revocation=self.revocation,
                **options,
            )
        except TypeError as exc:  # an option ClientConfig does not have
            raise ConfigurationError(f"the {name} preset: {exc}") from None


def lexoffice_partner_preset(app_base_url: str = "https://app.lexoffice.de") -> ProviderPreset:
    """lexoffice's partner OAuth: static endpoints, raw Basic credentials, ``scopes=a,b``.

    This is what real partner integrations send; lexoffice documents no discovery, no
    id_token and no RFC 7009 revocation (see ``lexoffice_partner_metadata``).

    Example:
        >>> preset = lexoffice_partner_preset()
        >>> preset.metadata.token_endpoint, preset.scope_param, preset.revocation
        ('https://app.lexoffice.de/api/oauth2/token', 'scopes', False)
    """
    from .metadata import lexoffice_partner_metadata

    return ProviderPreset(
        metadata=lexoffice_partner_metadata(app_base_url),
        token_endpoint_auth_method="client_secret_basic",
        scope_param="scopes",
        scope_separator=",",
        basic_auth_encoding="raw",
        revocation=False,
    )


def _check_redirect_uri(uri: object) -> str:
    """HTTPS, loopback HTTP (RFC 8252 §7.3) or a private-use scheme (RFC 8252 §7.1)."""
    if not isinstance(uri, str) or not uri:
        raise ConfigurationError("redirect_uri must be a non-empty string")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in uri):
        raise ConfigurationError("redirect_uri must not contain whitespace or control characters")
    try:
        scheme = urlsplit(uri).scheme.lower()
    except ValueError as exc:
        raise ConfigurationError("redirect_uri is not a valid URI") from exc
    if scheme in ("http", "https"):
        return require_secure_url(uri, "redirect_uri")
    if "." in scheme:  # reverse-domain private-use scheme, e.g. com.example.app:/cb
        return uri
    raise ConfigurationError(
        f"redirect_uri must be https, loopback http or a private-use scheme: {uri!r}"
    )


def _as_metadata(value: object) -> ProviderMetadata:
    from pydantic import ValidationError

    from .metadata import ProviderMetadata

    if isinstance(value, ProviderMetadata):
        return value
    if isinstance(value, Mapping):
        try:
            return ProviderMetadata.model_validate(dict(value))
        except ValidationError as exc:
            raise ConfigurationError(f"invalid metadata: {describe_validation_error(exc)}") from exc
    raise ConfigurationError("metadata must be a ProviderMetadata (or a mapping of its fields)")


def check_scopes(scopes: object, separator: str) -> tuple[str, ...]:
    """``scopes`` as a tuple of scope names that survive joining with ``separator``."""
    if isinstance(scopes, str) or not isinstance(scopes, Iterable):
        raise ConfigurationError("scopes must be a list of scope names, e.g. ['openid', 'email']")
    result = tuple(scopes)
    for scope in result:
        if (
            not isinstance(scope, str)
            or not scope
            or separator in scope
            or any(c.isspace() for c in scope)
        ):
            raise ConfigurationError(f"invalid scope name {scope!r}")
    return result


@dataclass(frozen=True)
class ClientConfig:
    """Everything an ``OAuthClient`` is configured with, checked when it is built.

    Give either ``issuer`` (discovery) or ``metadata`` (static endpoints, e.g. from a
    ``ProviderPreset``). The client secret and ``client_key`` are hidden from ``repr``.

    Sender-constrained and pushed logins:

    * ``client_key`` (a private JWK dict or JSON, PEM, or a ``ClientKey``): authenticate by
      ``private_key_jwt`` (RFC 7523), a fresh signed assertion per request; loaded here, so
      a bad key fails at once. ``token_endpoint_auth_method`` then defaults to
      ``private_key_jwt``; ``client_secret_jwt`` signs with the client secret instead.
    * ``par``: ``None`` pushes the authorization request (RFC 9126) when the provider
      requires it, ``True``/``False`` force it either way.
    * ``dpop``: ``True`` binds tokens to a key made per login (RFC 9449), or a ``DPoPKey``
      to use for every login; ``None`` (the default) and ``False`` do not.
    * ``profile="fapi2"``: PAR, PKCE S256, DPoP and ``private_key_jwt``, ``iss`` required
      on the callback; nothing weaker is accepted, and a provider lacking any of it is
      refused with one error naming each requirement.

    Example:
        >>> cfg = ClientConfig("app", "https://app.example/cb", issuer="https://id.example")
        >>> cfg.scopes, cfg.token_endpoint_auth_method
        (('openid',), None)
    """

    client_id: str
    redirect_uri: str
    issuer: str | None = None
    metadata: ProviderMetadata | None = None
    client_secret: str | None = field(default=None, repr=False)
    scopes: tuple[str, ...] = ("openid",)
    token_endpoint_auth_method: ClientAuthMethod | None = None
    scope_param: str = "scope"
    scope_separator: str = " "
    basic_auth_encoding: Literal["form", "raw"] = "form"
    revocation: bool = True
    login_lifetime: float = 600.0
    metadata_ttl: float = 3600.0
    timeout: float = 10.0
    id_token_leeway: float = 60.0
    id_token_max_age: float | None = None
    allow_hs256_id_tokens: bool = False
    client_key: ClientKey | None = field(default=None, repr=False)
    par: bool | None = None
    dpop: bool | DPoPKey | None = None
    profile: Profile | None = None
    # Deprecated alias of token_endpoint_auth_method (the name OAuthClient, ProviderPreset
    # and RFC 8414 use), accepted until 0.4; keyword only, so it comes last.
    auth_method: InitVar[ClientAuthMethod | None] = None

    def __post_init__(self, auth_method: ClientAuthMethod | None) -> None:
        if auth_method is not None and self.token_endpoint_auth_method is None:
            warnings.warn(
                "ClientConfig(auth_method=...) is deprecated; use token_endpoint_auth_method=",
                DeprecationWarning,
                stacklevel=3,
            )
            object.__setattr__(self, "token_endpoint_auth_method", auth_method)
        elif auth_method not in (None, self.token_endpoint_auth_method):
            raise ConfigurationError(
                "give token_endpoint_auth_method, not also its old name auth_method"
            )
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ConfigurationError("client_id must be a non-empty string")
        if (self.issuer is None) == (self.metadata is None):
            raise ConfigurationError("give exactly one of issuer= (discovery) or metadata=")
        if self.issuer is not None:
            require_secure_url(self.issuer, "issuer")
            if urlsplit(self.issuer).query:
                raise ConfigurationError("issuer must not contain a query")
        else:
            object.__setattr__(self, "metadata", _as_metadata(self.metadata))
        secret = self.client_secret
        if secret is not None and (not isinstance(secret, str) or not secret):
            raise ConfigurationError("client_secret must be a non-empty string or None")
        method = self.token_endpoint_auth_method
        if method not in _AUTH_METHODS:
            raise ConfigurationError(f"unsupported token_endpoint_auth_method {method!r}")
        if method in ("client_secret_basic", "client_secret_post", "client_secret_jwt") and (
            not secret
        ):
            raise ConfigurationError(f"{method} needs a client_secret")
        if method == "client_secret_jwt" and len(str(secret).encode()) < _HS256_MIN_BYTES:
            # Only the length is named, never the secret.
            raise ConfigurationError(
                f"client_secret_jwt signs with HS256, which needs a client secret of at least "
                f"{_HS256_MIN_BYTES} bytes (RFC 7518 §3.2); use a longer one or private_key_jwt"
            )
        self._check_sender_constraints()
        if self.basic_auth_encoding not in ("form", "raw"):
            raise ConfigurationError("basic_auth_encoding must be 'form' or 'raw'")
        for name in ("scope_param", "scope_separator"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"{name} must be a non-empty string")
        object.__setattr__(self, "redirect_uri", _check_redirect_uri(self.redirect_uri))
        object.__setattr__(self, "scopes", check_scopes(self.scopes, self.scope_separator))
        check_seconds("login_lifetime", self.login_lifetime, positive=True)
        check_seconds("metadata_ttl", self.metadata_ttl)
        check_seconds("timeout", self.timeout, positive=True)
        check_seconds("id_token_leeway", self.id_token_leeway)
        if self.id_token_max_age is not None:
            check_seconds("id_token_max_age", self.id_token_max_age)

    def _check_sender_constraints(self) -> None:
        """client_key, par, dpop and profile: each valid, and together what the profile asks."""
        if self.client_key is not None:
            from .assertions import ClientKey

            object.__setattr__(self, "client_key", ClientKey.load(self.client_key))
            if self.token_endpoint_auth_method is None:
                object.__setattr__(self, "token_endpoint_auth_method", "private_key_jwt")
            elif self.token_endpoint_auth_method != "private_key_jwt":
                raise ConfigurationError(
                    "client_key is for private_key_jwt, but token_endpoint_auth_method is "
                    f"{self.token_endpoint_auth_method!r}"
                )
        elif self.token_endpoint_auth_method == "private_key_jwt":
            raise ConfigurationError(
                "private_key_jwt needs client_key= (the client's private key: a JWK or PEM)"
            )
        if self.par is not None and not isinstance(self.par, bool):
            raise ConfigurationError(
                f"par must be True, False or None, not {type(self.par).__name__}"
            )
        dpop = self.dpop
        if dpop is not None and not isinstance(dpop, bool):
            from .dpop import DPoPKey

            if not isinstance(dpop, DPoPKey):
                raise ConfigurationError(
                    f"dpop must be True, False, None or a DPoPKey, not {type(dpop).__name__}"
                )
        if self.profile is None:
            return
        if self.profile != "fapi2":
            raise ConfigurationError(f"unknown profile {self.profile!r}; the one known is 'fapi2'")
        weaker = []
        if self.par is False:
            weaker.append("par=False (FAPI 2.0 requires pushed authorization requests)")
        if dpop is False:
            weaker.append("dpop=False (FAPI 2.0 requires sender-constrained tokens)")
        if self.token_endpoint_auth_method != "private_key_jwt":
            shown = self.token_endpoint_auth_method or "none configured"
            weaker.append(
                f"client authentication {shown!r} (FAPI 2.0 requires private_key_jwt: "
                "pass client_key=)"
            )
        if weaker:
            raise ConfigurationError("profile='fapi2' cannot use " + "; ".join(weaker))
        object.__setattr__(self, "par", True)
        if dpop is None:
            object.__setattr__(self, "dpop", True)

    @property
    def uses_dpop(self) -> bool:
        """True when logins bind tokens to a DPoP key."""
        return self.dpop is not None and self.dpop is not False

    def __getattr__(self, name: str) -> object:
        # Only reached for names the instance lacks: the deprecated auth_method. Reading
        # it does not warn, because dataclasses.replace() reads every init argument.
        if name == "auth_method":
            return self.token_endpoint_auth_method
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def expected_issuer(self) -> str:
        """The issuer: configured for discovery, or the static metadata's."""
        if self.issuer is not None:
            return self.issuer
        assert self.metadata is not None  # __post_init__ guarantees one of the two
        return self.metadata.issuer


# The InitVar's default is left on the class by @dataclass; without it, reading
# ``config.auth_method`` reaches ``__getattr__`` (the deprecated alias) instead of None.
delattr(ClientConfig, "auth_method")
