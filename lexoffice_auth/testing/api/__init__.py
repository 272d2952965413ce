"""The sandbox's lexoffice API: one handler module per resource group, one routing table.

``ROUTES`` declares every path, method, handler, scope and error shape; ``Api``
dispatches over it. Handlers work on plain dicts in a
``SandboxState`` (no pydantic).
"""

from __future__ import annotations

from lexoffice_auth.testing.api._call import Call, Problem
from lexoffice_auth.testing.api._router import Api, Endpoint, Route
from lexoffice_auth.testing.api._routes import ROUTES, SCOPES

__all__ = ["ROUTES", "SCOPES", "Api", "Call", "Endpoint", "Problem", "Route"]
