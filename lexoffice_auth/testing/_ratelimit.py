"""The API's token bucket, on the sandbox's clock."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TokenBucket"]


@dataclass
class TokenBucket:
    """``rate`` tokens per second, at most ``capacity``; a request takes one token.

    A refused request takes nothing, as lexoffice says a 429 call "will not be performed".
    """

    rate: float
    capacity: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, rate: float, capacity: float, now: float) -> TokenBucket:
        """A bucket that starts full at ``now``."""
        return cls(rate=rate, capacity=capacity, tokens=capacity, updated=now)

    def take(self, now: float) -> bool:
        """Take one token if there is one; False means "answer 429"."""
        if now > self.updated:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
