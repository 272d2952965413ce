"""The declarative routing table's types and the dispatcher that walks it.

A ``Route`` names a path pattern, its error shape and, per method, an
``Endpoint`` (counter name, handler, OAuth scope). ``Api`` checks the access
token (Bearer, or DPoP with its proof), the rate limit and the scope, calls the
handler and renders a ``Problem`` in the route's shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from httpx import Request, Response

from lexoffice_auth.testing._ratelimit import TokenBucket
from lexoffice_auth.testing._responses import gateway_error, legacy_error, regular_error
from lexoffice_auth.testing._state import Credential, Record, SandboxState
from lexoffice_auth.testing.api._call import Call, Problem
from lexoffice_auth.testing.provider import ResourceRefusal, presented_credential

__all__ = ["Api", "Endpoint", "ErrorShape", "Handler", "Route"]

Handler = Callable[[Call], Response]
"""A resource handler: one call in, one response out (or a raised ``Problem``)."""
ErrorShape = Literal["regular", "legacy"]
"""lexoffice's two resource error shapes (the gateway's third is the router's own)."""

_ID = r"([0-9a-fA-F-]{36})"
_LEGACY_KEYS = {
    400: "bad_request_error",
    404: "missing_entity",
    406: "invalid_value",
    409: "conflict",
    415: "unsupported_media_type",
    500: "technical_error",
}


@dataclass(frozen=True)
class Endpoint:
    """One method of a route: the name it is counted under, its handler, its scope."""

    name: str
    handler: Handler
    scope: str | None = None


@dataclass(frozen=True)
class Route:
    """A path pattern (``{id}`` for a UUID), its error shape and its methods."""

    pattern: str
    methods: Mapping[str, Endpoint]
    errors: ErrorShape = "regular"
    regex: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        body = re.escape(self.pattern).replace(re.escape("{id}"), _ID)
        # Collection paths also answer with a trailing slash, as lexoffice's gateway does.
        object.__setattr__(self, "regex", re.compile(f"^{body}/?$"))


def render(problem: Problem, shape: ErrorShape, path: str, now: float) -> Response:
    """``problem`` as a regular or legacy error body."""
    if (problem.shape or shape) == "regular":
        return regular_error(problem.status, path, now, problem.message, problem.details)
    issues: list[dict[str, Any]]
    if problem.details:
        issues = [
            {
                "i18nKey": d.get("i18nKey")
                or ("missing_entity" if d.get("violation") == "NOTNULL" else "invalid_value"),
                "source": d.get("field"),
            }
            for d in problem.details
        ]
    else:
        issue: dict[str, Any] = {
            "i18nKey": problem.i18n_key or _LEGACY_KEYS.get(problem.status, "technical_error"),
            # lexoffice names the bad query in a 400's source; other issues may have none.
            "source": problem.source
            if problem.source is not None or problem.status != 400
            else problem.message,
        }
        if problem.issue_type:
            issue["type"] = problem.issue_type
        issues = [issue]
    return legacy_error(problem.status, issues)


def unknown_route(request: Request) -> Response:
    """The API gateway's answer to a path or method it has no route for.

    lexoffice sits behind an AWS API Gateway, which answers an unrouted path or method
    with 403 and the "not a valid key=value pair" message (reference §4, gateway shape 2)
    before any authorizer runs. The real message echoes the Authorization header; the
    sandbox redacts it, since secrets never appear in its messages.
    """
    message = (
        "'[redacted]' not a valid key=value pair (missing equal-sign) in Authorization "
        "header: 'Bearer [redacted]'."
        if request.headers.get("authorization")
        else "Missing Authentication Token"
    )
    return gateway_error(403, message)


class Api:
    """The lexoffice-API half of the sandbox: the routing table over one state.

    ``contacts`` and ``invoices`` are the stores (id -> ``Record``) of those
    resources; ``store`` gives any other.
    """

    def __init__(self, state: SandboxState, routes: Sequence[Route]) -> None:
        self.state = state
        self.routes = tuple(routes)
        self.buckets: dict[str, TokenBucket] = {}
        # path -> its route and arguments: bursts ask for the same few paths again and
        # again, and a miss tries every pattern of the table in turn.
        self._routed: dict[str, tuple[Route | None, tuple[str, ...]]] = {}

    @property
    def contacts(self) -> dict[str, Record]:
        """The stored contacts by id."""
        return self.state.store("contacts")

    @property
    def invoices(self) -> dict[str, Record]:
        """The stored invoices by id."""
        return self.state.store("invoices")

    def store(self, resource: str) -> dict[str, Record]:
        """The stored records of ``resource`` (its path name, e.g. ``"credit-notes"``)."""
        return self.state.store(resource)

    def route(
        self, method: str, path: str
    ) -> tuple[Route | None, Endpoint | None, tuple[str, ...]]:
        """The route, endpoint (None: method not served) and path arguments of a request."""
        found = self._routed.get(path)
        if found is None:
            found = next(
                ((r, m.groups()) for r in self.routes if (m := r.regex.match(path))), (None, ())
            )
            if len(self._routed) >= 4096:  # many ids: start afresh rather than grow
                self._routed.clear()
            self._routed[path] = found
        route, args = found
        return route, None if route is None else route.methods.get(method), args

    def handle(self, request: Request, path: str) -> Response:
        """Route, then the token (and DPoP proof), rate limit and scope, then the endpoint."""
        state = self.state
        now = state.now()
        route, endpoint, args = self.route(request.method, path)
        if route is None or endpoint is None:
            state.calls["api:unknown"] += 1
            return unknown_route(request)
        state.calls[endpoint.name] += 1
        who = self._credential(request)
        if isinstance(who, Response):
            return who
        if not self._take_token(who.key, now):
            if "rate_limit_500" in state.quirks:
                # agent-tool-lexware-office-cli 0.1.4 saw this on the live API (§3d).
                return regular_error(500, path, now, "Rate limit exceeded (too many requests)")
            return regular_error(429, path, now, "Rate limit exceeded. Please try again later.")
        if (
            state.enforce_api_scopes
            and endpoint.scope
            and who.scopes is not None
            and endpoint.scope not in who.scopes
        ):
            return regular_error(403, path, now, f"Missing scope {endpoint.scope}")
        try:
            return endpoint.handler(Call(state, request, path, args, who))
        except Problem as problem:
            return render(problem, route.errors, path, now)

    def _credential(self, request: Request) -> Credential | Response:
        # Bearer or DPoP, decided where the provider's userinfo decides it too.
        who = presented_credential(self.state, request, realm="api", lookup=self.state.authenticate)
        if isinstance(who, ResourceRefusal):
            return gateway_error(401, "Unauthorized", headers=who.all_headers())
        return who

    def _take_token(self, key: str, now: float) -> bool:
        state = self.state
        if state.rate_limit is None:
            return True
        bucket_key = "global" if state.rate_limit_scope == "global" else key
        bucket = self.buckets.get(bucket_key)
        if bucket is None:
            bucket = TokenBucket.full(state.rate_limit, state.rate_limit_capacity, now)
            self.buckets[bucket_key] = bucket
        return bucket.take(now)
