"""JSON logging for every process, with redaction applied to our own and third-party records."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Token
from typing import TYPE_CHECKING, Any, TextIO

import structlog

from workers.observability.redaction import redact

if TYPE_CHECKING:  # the runtime imports this module; keep the dependency one-way at run time
    from workers.runtime.messages import Message

# kafka-python logs record keys and values at DEBUG; never let those through.
_QUIET_LOGGERS = {"kafka": logging.WARNING, "botocore": logging.WARNING, "urllib3": logging.WARNING}
NOISE_INTERVAL_S = 30.0


class RateLimit(logging.Filter):
    """At most one record per logger and message template every ``interval_s`` from the
    loggers under ``prefix``; the next one let through says how many were held back.

    While a broker is down kafka-python logs every reconnect attempt of every connection (in
    one 20 s outage, 942 of a worker's 1,066 lines); one line per kind of trouble is enough.
    """

    def __init__(
        self,
        prefix: str = "kafka",
        interval_s: float = NOISE_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._prefix = prefix
        self._interval_s = interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != self._prefix and not record.name.startswith(self._prefix + "."):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        with self._lock:
            last, held = self._seen.get(key, (None, 0))
            if last is not None and now - last < self._interval_s:
                self._seen[key] = (last, held + 1)
                return False
            self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.getMessage()} [{held} more like this held back]"
            record.args = None
        return True


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    """Route structlog and stdlib logging through one redacting JSON renderer on ``stream``."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        redact,
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.addFilter(RateLimit())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name, floor in _QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(max(floor, root.level))

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


class RecordLogContext:
    """Binds the log fields of the record being handled (``trace_id``, ``topic``,
    ``partition``, ``offset``) as structlog context variables, for the runner's and the
    handler's log lines.

    Cheaper than a bind and a reset per record: each record binds only what changed, and the
    context is restored once, when the batch ends (see :func:`batch_log_context`).
    """

    def __init__(self) -> None:
        self._tokens: dict[str, Token[Any]] = {}
        self._topic: str | None = None
        self._partition: int | None = None

    def bind(self, message: Message, trace_id: str) -> None:
        fields: dict[str, Any] = {"trace_id": trace_id, "offset": message.offset}
        if message.partition != self._partition or message.topic != self._topic:
            self._topic, self._partition = message.topic, message.partition
            fields["topic"], fields["partition"] = message.topic, message.partition
        for name, token in structlog.contextvars.bind_contextvars(**fields).items():
            self._tokens.setdefault(name, token)

    def reset(self) -> None:
        """Restore the fields as they were before the first :meth:`bind`."""
        structlog.contextvars.reset_contextvars(**self._tokens)
        self._tokens.clear()
        self._topic = self._partition = None


@contextmanager
def batch_log_context() -> Iterator[RecordLogContext]:
    """A :class:`RecordLogContext` for one batch, reset when the batch is done."""
    context = RecordLogContext()
    try:
        yield context
    finally:
        context.reset()
