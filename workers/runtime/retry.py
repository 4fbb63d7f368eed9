"""How long to wait before trying a record again."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from workers.config import Settings
from workers.runtime.errors import Failure


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with full jitter: ``delay(n)`` is uniform below ``ceiling(n)``.

    ``max_attempts`` counts every call of the handler, the first one included. ``rng`` returns a
    float in ``[0, 1)`` and is injectable so tests get exact delays.
    """

    max_attempts: int = Settings.model_fields["retry_max_attempts"].default
    base_seconds: float = Settings.model_fields["retry_base_seconds"].default
    max_seconds: float = Settings.model_fields["retry_max_seconds"].default
    rng: Callable[[], float] = field(default=random.random, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_attempts=settings.retry_max_attempts,
            base_seconds=settings.retry_base_seconds,
            max_seconds=settings.retry_max_seconds,
        )

    def ceiling(self, attempt: int) -> float:
        """The largest delay after failed attempt number ``attempt`` (1-based)."""
        return min(self.max_seconds, self.base_seconds * 2.0 ** (attempt - 1))

    def delay(self, attempt: int) -> float:
        return self.rng() * self.ceiling(attempt)

    def should_retry(self, failure: Failure, attempt: int) -> bool:
        return failure.retryable and attempt < self.max_attempts
