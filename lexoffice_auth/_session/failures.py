"""What a failed refresh becomes: the typed error for a failed save, the reason a refresh
failed for good, and the error raised again for each caller that waited for it."""

from __future__ import annotations

import copy
from typing import NoReturn

from ..errors import ReauthenticationRequired, TokenStoreError

__all__ = ["raise_for_waiter", "save_error", "terminal_reason"]


def save_error(
    account_key: str, error: Exception, what: str, *, in_memory: bool = True
) -> TokenStoreError:
    """The typed error for a failed save; names the store's error without echoing foreign text."""
    detail = str(error) if isinstance(error, TokenStoreError) else type(error).__name__
    then = (
        "they are used from memory and saved at the next call"
        if in_memory
        else "nothing was changed"
    )
    return TokenStoreError(
        f"{what} of account {account_key!r} could not be saved ({detail}); {then}"
    )


def terminal_reason(error: BaseException) -> str:
    """Why a refresh failed for good, in words for ``ReauthenticationRequired``."""
    code = getattr(error, "error", None)
    check = getattr(error, "check", None)
    if check is not None:
        # The provider has already rotated the grant; its new id_token names another
        # identity or is forged. Neither the old nor the new tokens may be used.
        return f"the refreshed id_token failed ({check})"
    if isinstance(code, str):
        # The provider's description says which check failed (e.g. a refresh token bound to
        # another DPoP key); the full error stays the cause.
        description = getattr(error, "error_description", None)
        if isinstance(description, str) and description.strip():
            return f"the provider answered {code} ({' '.join(description.split())[:200]})"
        return f"the provider answered {code}"
    return str(error)


def raise_for_waiter(failure: Exception) -> NoReturn:
    """Raise ``failure`` again for a task that waited for it, as an exception of its own.

    Raising one instance in many tasks would make them all write to its one traceback.
    The copy keeps the class, message and attributes; a ``ReauthenticationRequired`` keeps
    its cause (the provider's answer), anything else is chained to the original.
    """
    if type(failure) is ReauthenticationRequired:
        raise ReauthenticationRequired(str(failure)) from failure.__cause__
    try:
        fresh = copy.copy(failure)  # our errors copy through __reduce__, attributes included
    except Exception:  # an exotic exception type: share the instance after all
        raise failure.with_traceback(None) from failure.__cause__
    raise fresh from failure
