"""Private signing keys the client holds: for DPoP proofs (RFC 9449) and client assertions
(RFC 7523). Sans-I/O: keys are generated, loaded, exported and used to sign, nothing more.

Signing and encoding are PyJWT's and cryptography's; this module chooses algorithms, checks
that a key fits the algorithm it is used with, and keeps private material out of ``repr``,
error messages and pickles. PyJWT and cryptography are imported on first use, so importing
this module costs nothing they would.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, NoReturn

from typing_extensions import Self

from ..errors import ConfigurationError
from ..rules import JWK_THUMBPRINT_MEMBERS as _THUMBPRINT_MEMBERS
from ..rules import jwk_thumbprint

__all__ = ["SIGNING_ALGORITHMS", "SigningKey", "jwk_thumbprint"]

SIGNING_ALGORITHMS: Mapping[str, tuple[str, str | None]] = {
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "EdDSA": ("OKP", None),  # Ed25519 (generated) or Ed448 (loaded)
    "PS256": ("RSA", None),
    "PS384": ("RSA", None),
    "PS512": ("RSA", None),
    "RS256": ("RSA", None),
    "RS384": ("RSA", None),
    "RS512": ("RSA", None),
}
"""The asymmetric JWS algorithms a client key may sign with: ``alg`` → (``kty``, curve)."""

_CURVE_NAMES = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}
_DEFAULT_EC_ALG = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}
_MIN_RSA_BITS = 2048


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _fail(what: str, problem: str) -> NoReturn:
    # ``from None``: the library's own exception may quote the key material.
    raise ConfigurationError(f"{what} {problem}") from None


def _kty_and_curve(key: Any) -> tuple[str, str | None]:
    """``(kty, curve)`` of a private key object; ``ConfigurationError`` for anything else."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA", None
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC", _CURVE_NAMES.get(key.curve.name)
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "OKP", "Ed25519"
    if isinstance(key, ed448.Ed448PrivateKey):
        return "OKP", "Ed448"
    raise ConfigurationError(
        "a signing key must be an RSA, EC (P-256/384/521) or Ed25519/Ed448 private key"
    )


def _default_alg(kty: str, curve: str | None, rsa_alg: str) -> str:
    if kty == "EC":
        return _DEFAULT_EC_ALG.get(curve or "", "ES256")
    return "EdDSA" if kty == "OKP" else rsa_alg


class SigningKey:
    """An asymmetric private key with the one JWS algorithm it signs with.

    ``repr`` shows the algorithm, ``kid`` and RFC 7638 thumbprint, never private material;
    pickling is refused (export explicitly with ``to_jwk()`` and store the result as a
    secret). Keys are immutable: ``copy.copy`` returns the same object.
    """

    __slots__ = ("_alg", "_key", "_kid", "_public_jwk", "_signer", "_thumbprint")

    _what = "the signing key"
    # Algorithms this kind of key may use; subclasses narrow it.
    _algorithms: tuple[str, ...] = tuple(SIGNING_ALGORITHMS)
    _rsa_default = "RS256"

    def __init__(self, key: Any, alg: str, *, kid: str | None = None) -> None:
        """Wrap a ``cryptography`` private key object for ``alg`` (prefer the factories)."""
        from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

        alg = self._check_alg(alg)
        kty, curve = _kty_and_curve(key)
        want_kty, want_curve = SIGNING_ALGORITHMS[alg]
        if kty != want_kty or (want_curve is not None and curve != want_curve):
            shown = f"{kty} {curve}" if curve else kty
            raise ConfigurationError(f"{self._what} is an {shown} key, which cannot sign {alg}")
        if kty == "EC" and curve is None:
            raise ConfigurationError(f"{self._what} is on an EC curve JWS does not define")
        if kty == "RSA" and key.key_size < _MIN_RSA_BITS:
            raise ConfigurationError(
                f"{self._what} is a {key.key_size}-bit RSA key; at least {_MIN_RSA_BITS} bits"
            )
        if kid is not None and (not isinstance(kid, str) or not kid):
            raise ConfigurationError(f"the kid of {self._what} must be a non-empty string")
        exporter: Any = {"RSA": RSAAlgorithm, "EC": ECAlgorithm, "OKP": OKPAlgorithm}[kty]
        full = exporter.to_jwk(key.public_key(), as_dict=True)
        public = {name: full[name] for name in _THUMBPRINT_MEMBERS[kty] if name != "kty"}
        self._alg = alg
        self._key = key
        self._kid = kid
        self._public_jwk: dict[str, str] = {"kty": kty, **public}
        self._thumbprint = jwk_thumbprint(self._public_jwk)
        self._signer: Any = None  # PyJWT's algorithm object, made by the first compact()

    @classmethod
    def _check_alg(cls, alg: object) -> str:
        if not isinstance(alg, str) or alg not in cls._algorithms:
            shown = repr(alg) if isinstance(alg, str) else type(alg).__name__
            raise ConfigurationError(
                f"{cls._what} cannot use algorithm {shown}; "
                f"choose one of {', '.join(cls._algorithms)}"
            )
        return alg

    @classmethod
    def generate(cls, alg: str = "ES256") -> Self:
        """A fresh key for ``alg`` (EdDSA: Ed25519; RS/PS: 2048-bit RSA, slow to make)."""
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        alg = cls._check_alg(alg)
        kty, curve = SIGNING_ALGORITHMS[alg]
        key: Any
        if kty == "EC":
            curves = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(), "P-521": ec.SECP521R1()}
            key = ec.generate_private_key(curves[str(curve)])
        elif kty == "OKP":
            key = ed25519.Ed25519PrivateKey.generate()
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=_MIN_RSA_BITS)
        return cls(key, alg)

    @classmethod
    def from_jwk(
        cls, jwk: Mapping[str, Any], *, alg: str | None = None, kid: str | None = None
    ) -> Self:
        """Load a private JWK (RFC 7517), as ``to_jwk()`` writes it.

        ``alg`` defaults to the JWK's ``alg``, else to the key type's usual algorithm;
        ``kid`` to the JWK's ``kid``. Bad input is a ``ConfigurationError`` naming the
        problem, never quoting the key.
        """
        import jwt

        what = cls._what
        if not isinstance(jwk, Mapping):
            _fail(what, f"must be a JWK dict, not {type(jwk).__name__}")
        kty = jwk.get("kty")
        if kty not in ("RSA", "EC", "OKP"):
            _fail(what, "must be a JWK with kty RSA, EC or OKP")
        if "d" not in jwk:
            _fail(what, "is a public JWK; signing needs the private key (member 'd')")
        jwk_alg = jwk.get("alg")
        if jwk_alg is not None and alg is not None and jwk_alg != alg:
            _fail(what, f"says alg {jwk_alg!r} but alg={alg!r} was asked for")
        jwk_kid = jwk.get("kid")
        if jwk_kid is not None and kid is not None and jwk_kid != kid:
            _fail(what, "has another kid than the one passed")
        chosen = alg or jwk_alg
        if chosen is None:
            crv = jwk.get("crv")
            chosen = _default_alg(str(kty), crv if isinstance(crv, str) else None, cls._rsa_default)
        chosen = cls._check_alg(chosen)
        if SIGNING_ALGORITHMS[chosen][0] != kty:
            _fail(what, f"is an {kty} key, which cannot sign {chosen}")
        try:
            key = jwt.PyJWK(dict(jwk), algorithm=chosen).key
        except (jwt.PyJWTError, ValueError, TypeError, KeyError, AttributeError, OverflowError):
            _fail(what, f"is not a valid {kty} private key JWK")
        return cls(key, chosen, kid=kid if kid is not None else jwk_kid)

    @classmethod
    def from_pem(
        cls,
        pem: str | bytes,
        *,
        alg: str | None = None,
        kid: str | None = None,
        password: bytes | None = None,
    ) -> Self:
        """Load a PEM private key (PKCS#8, or traditional RSA/EC); ``password`` if encrypted."""
        from cryptography.exceptions import UnsupportedAlgorithm
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        what = cls._what
        data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
        if not isinstance(data, bytes):
            _fail(what, f"must be PEM text or bytes, not {type(pem).__name__}")
        if b"PUBLIC KEY-----" in data or b"CERTIFICATE-----" in data:
            _fail(what, "is a public key or certificate; signing needs the private key")
        try:
            key = load_pem_private_key(data, password=password)
        except TypeError:
            # cryptography: a password was given for a plain key, or none for an encrypted one.
            _fail(what, "is encrypted and needs password=, or is not encrypted but got one")
        except (ValueError, UnsupportedAlgorithm):
            _fail(what, "is not a PEM-encoded private key (or the password is wrong)")
        kty, curve = _kty_and_curve(key)
        chosen = alg if alg is not None else _default_alg(kty, curve, cls._rsa_default)
        return cls(key, chosen, kid=kid)

    @property
    def alg(self) -> str:
        """The JWS algorithm this key signs with."""
        return self._alg

    @property
    def kid(self) -> str | None:
        """The key id, if one was given."""
        return self._kid

    @property
    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK with only its required members (a fresh copy)."""
        return dict(self._public_jwk)

    @property
    def thumbprint(self) -> str:
        """The RFC 7638 SHA-256 thumbprint of the public key (DPoP's ``jkt``)."""
        return self._thumbprint

    def to_jwk(self) -> dict[str, str]:
        """The private key as a JWK with ``alg`` (and ``kid``): the one explicit export.

        The result is as secret as the key: keep it where the tokens are kept, encrypted
        where the store encrypts.
        """
        from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

        kty = self._public_jwk["kty"]
        exporter: Any = {"RSA": RSAAlgorithm, "EC": ECAlgorithm, "OKP": OKPAlgorithm}[kty]
        full = exporter.to_jwk(self._key, as_dict=True)
        full.pop("key_ops", None)
        full["alg"] = self._alg
        if self._kid is not None:
            full["kid"] = self._kid
        return {name: str(value) for name, value in full.items()}

    def sign(self, claims: Mapping[str, Any], headers: Mapping[str, Any]) -> str:
        """A compact JWS of the JSON ``claims`` with ``headers`` (``alg`` is set from the key).

        The claims are plain JSON values (no ``datetime``): they go to PyJWT's JWS layer as
        compact JSON, which spares a DPoP proof the JWT layer's checks (~10 µs a request).
        """
        from jwt import api_jws

        payload = json.dumps(dict(claims), separators=(",", ":")).encode("utf-8")
        return api_jws.encode(payload, self._key, algorithm=self._alg, headers=dict(headers))

    def compact(self, header_segment: bytes, claims: Mapping[str, Any]) -> str:
        """A compact JWS of ``claims`` under a header already encoded (``header_segment``:
        base64url of the header JSON, whose ``alg`` must be this key's).

        The same JWS as ``sign`` makes, for a header used again and again (a DPoP proof's
        is fixed per key): encoding it once, and signing through PyJWT's algorithm object
        without its JWS layer, saves about a third of a proof's cost.
        """
        signer = self._signer
        if signer is None:
            from jwt.algorithms import get_default_algorithms

            signer = self._signer = get_default_algorithms()[self._alg]
        payload = json.dumps(dict(claims), separators=(",", ":")).encode("utf-8")
        signing_input = header_segment + b"." + _b64(payload)
        signature: bytes = signer.sign(signing_input, self._key)
        return (signing_input + b"." + _b64(signature)).decode("ascii")

    def __repr__(self) -> str:
        kid = f", kid={self._kid!r}" if self._kid is not None else ""
        return f"{type(self).__name__}(alg={self._alg!r}{kid}, thumbprint={self._thumbprint!r})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, SigningKey)
        return (self._alg, self._kid, self._thumbprint) == (
            other._alg,
            other._kid,
            other._thumbprint,
        )

    def __hash__(self) -> int:
        return hash((type(self), self._alg, self._kid, self._thumbprint))

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise ConfigurationError(
            f"a {type(self).__name__} is not picklable: it holds a private key. Export it "
            "with to_jwk() and keep that as a secret (an encrypted token store does)"
        )

    def __copy__(self) -> Self:
        return self

    def __deepcopy__(self, memo: object) -> Self:
        return self
