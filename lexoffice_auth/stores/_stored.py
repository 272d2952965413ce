"""A stored token set read without pydantic: ``StoredTokenSet``, made by ``read_stored``.

``lexoffice-auth token`` and the first request of a ``RefreshingTokenSource`` need a
stored token set's access token and expiry, not the ``TokenSet`` model: building the model
would load pydantic, which costs more than the rest of such a process. ``read_stored``
checks an entry in the form ``TokenSet.to_dict`` writes with ``TokenSet``'s own rules
(``_oauth.token_rules``); anything else (an entry written by hand or by other code, which
pydantic's lax conversions may still accept, or a broken one) is left to the model, which
decides and raises the usual ``TokenStoreError``. So an entry is accepted, and refused with
the same message, whichever way it is read; ``tests/stores/test_stored_token_set.py``
holds the two ways to that.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .._oauth.token_rules import (
    TOKEN_SET_FIELDS,
    check_dpop_binding,
    check_dpop_jwk,
    check_extra,
    check_token_type,
    check_token_value,
)

if TYPE_CHECKING:
    from .._oauth.dpop import DPoPKey
    from .._oauth.tokens import TokenSet

__all__ = ["ID_CLAIM_TYPES", "StoredTokenSet", "access_token_of", "read_stored"]


class StoredTokenSet:
    """A stored token set, checked by ``TokenSet``'s rules but not built as one.

    ``FileTokenStore.load_stored`` returns it: what a short-lived process needs without
    pydantic, namely the access token (``access_token_value()``, a secret, never in
    ``repr``), ``token_type`` (``Bearer`` or ``DPoP``), ``dpop_key`` (the loaded DPoP key
    of a sender-constrained set, else None), ``expires_at``, ``issued_at``, ``lifetime``,
    ``generation`` and ``extra``.
    ``token_set()`` builds the ``TokenSet`` that ``load`` returns (loading pydantic).

    Example:
        >>> import anyio, tempfile, pathlib
        >>> from lexoffice_auth import FileTokenStore, TokenSet
        >>> store = FileTokenStore(pathlib.Path(tempfile.mkdtemp()) / "tokens.json")
        >>> async def main() -> None:
        ...     await store.save("acme", TokenSet(access_token="at-1", expires_at=2.0e9))
        ...     stored = await store.load_stored("acme")
        ...     print(stored, stored.access_token_value())
        ...     print(stored.token_set() == await store.load("acme"))
        >>> anyio.run(main)
        StoredTokenSet(expires_at=2000000000.0, generation=0) at-1
        True
    """

    __slots__ = (
        "_access_token",
        "_model",
        "_raw",
        "dpop_key",
        "expires_at",
        "extra",
        "generation",
        "issued_at",
        "token_type",
    )

    def __init__(
        self,
        raw: dict[str, Any] | None,
        *,
        access_token: str,
        expires_at: float | None,
        issued_at: float | None,
        generation: int,
        extra: dict[str, Any],
        token_type: str = "Bearer",  # noqa: S107 - a scheme name, not a secret
        dpop_key: DPoPKey | None = None,
        model: TokenSet | None = None,
    ) -> None:
        self._raw = raw
        self._model = model
        self._access_token = access_token
        self.expires_at = expires_at
        self.issued_at = issued_at
        self.generation = generation
        self.extra = extra
        self.token_type = token_type
        self.dpop_key = dpop_key

    @classmethod
    def of(cls, token_set: TokenSet) -> StoredTokenSet:
        """A ``StoredTokenSet`` for a ``TokenSet`` already built."""
        return cls(
            None,
            access_token=token_set.access_token.get_secret_value(),
            expires_at=token_set.expires_at,
            issued_at=token_set.issued_at,
            generation=token_set.generation,
            extra=token_set.extra,
            token_type=token_set.token_type,
            dpop_key=token_set.dpop_key,
            model=token_set,
        )

    def __repr__(self) -> str:
        return f"StoredTokenSet(expires_at={self.expires_at!r}, generation={self.generation})"

    @property
    def lifetime(self) -> float | None:
        """Seconds between issue and expiry, when both are known (as ``TokenSet.lifetime``)."""
        if self.expires_at is None or self.issued_at is None:
            return None
        return self.expires_at - self.issued_at

    def access_token_value(self) -> str:
        """The access token itself: a secret."""
        return self._access_token

    def token_set(self) -> TokenSet:
        """The ``TokenSet`` that ``store.load`` returns for this entry (built once)."""
        if self._model is None:
            from .._oauth.tokens import TokenSet

            assert self._raw is not None  # only StoredTokenSet.of leaves it out, with a model
            self._model = TokenSet.from_dict(self._raw)
        return self._model


def access_token_of(token_set: TokenSet | StoredTokenSet) -> str:
    """The access token of either kind of token set (a secret)."""
    if isinstance(token_set, StoredTokenSet):
        return token_set.access_token_value()
    return token_set.access_token.get_secret_value()


def read_stored(raw: object) -> StoredTokenSet:
    """A stored entry (what ``TokenSet.to_dict`` wrote) as a ``StoredTokenSet``.

    Raises ``TokenStoreError`` exactly as ``TokenSet.from_dict(raw)`` does.
    """
    checked = _checked(raw) if isinstance(raw, dict) else None
    if checked is not None:
        return checked
    from .._oauth.tokens import TokenSet

    return StoredTokenSet.of(TokenSet.from_dict(raw))


class _Unchecked(Exception):
    """The entry is not in the form ``to_dict`` writes: the model decides."""


def _checked(raw: dict[str, Any]) -> StoredTokenSet | None:
    if not raw.keys() <= TOKEN_SET_FIELDS:
        return None
    try:
        access_token = check_token_value("access_token", _typed(raw.get("access_token"), str))
        for field in ("refresh_token", "id_token"):
            if raw.get(field) is not None:
                check_token_value(field, _typed(raw[field], str))
        token_type = check_token_type(_typed(raw.get("token_type", "Bearer"), str))
        jwk = raw.get("dpop_jwk")
        dpop_key = check_dpop_jwk(_object(jwk)) if jwk is not None else None
        check_dpop_binding(token_type, dpop_key is not None)
        scopes = _typed(raw.get("scopes", []), list)
        if not all(isinstance(scope, str) for scope in scopes):
            raise _Unchecked
        claims = raw.get("id_claims")
        if claims is not None:
            _check_claims(_object(claims))
        extra = check_extra(_object(raw.get("extra", {})))
        generation = _typed(raw.get("generation", 0), int)
        if generation < 0:
            raise _Unchecked
        return StoredTokenSet(
            raw,
            access_token=access_token,
            expires_at=_seconds(raw.get("expires_at")),
            issued_at=_seconds(raw.get("issued_at")),
            generation=generation,
            extra=extra,
            token_type=token_type,
            dpop_key=dpop_key,
        )
    except (_Unchecked, ValueError):  # a rule's ValueError: the model words the error
        return None


def _typed(value: Any, kind: type) -> Any:
    """``value`` if it is exactly of JSON type ``kind`` (``bool`` is no ``int`` here)."""
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise _Unchecked
    return value


def _object(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object (every key a string)."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise _Unchecked
    return value


def _seconds(value: Any) -> float | None:
    """A finite number of seconds, as ``float``; ``None`` when absent."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            value = float(value)
        except OverflowError:
            raise _Unchecked from None
    if not isinstance(value, float) or not math.isfinite(value):
        raise _Unchecked
    return value


ID_CLAIM_TYPES: dict[str, tuple[type, bool]] = {
    "iss": (str, True),
    "sub": (str, True),
    "aud": (str, True),  # or a list of strings
    "exp": (int, True),
    "iat": (int, True),
    "auth_time": (int, False),
    "nonce": (str, False),
    "azp": (str, False),
    "at_hash": (str, False),
    "email": (str, False),
    "email_verified": (bool, False),
    "name": (str, False),
}
"""The claims ``IdTokenClaims`` names: the JSON type each is stored as, and if it is required.

Other claims are kept as they are, as the model keeps them. A test holds this table to the
model's fields.
"""


def _check_claims(claims: dict[str, Any]) -> None:
    for name, (kind, required) in ID_CLAIM_TYPES.items():
        value = claims.get(name)
        if value is None:
            if required:
                raise _Unchecked
            continue
        if name == "aud" and isinstance(value, list):
            if not all(isinstance(audience, str) for audience in value):
                raise _Unchecked
            continue
        _typed(value, kind)
