"""JSON logging for every process, with redaction applied to our own and third-party records."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token
from typing import TYPE_CHECKING, Any, TextIO

import structlog

from workers.observability.redaction import redact

if TYPE_CHECKING:  # the runtime imports this module; keep the dependency one-way at run time
    from workers.runtime.messages import Message

# kafka-python logs record keys and values at DEBUG; never let those through.
_QUIET_LOGGERS = {"kafka": logging.WARNING, "botocore": logging.WARNING, "urllib3": logging.WARNING}


class RepeatLimit(logging.Filter):
    """Lets one record of each message of the ``prefix`` loggers through per ``window_s``.

    During a broker outage kafka-python logs the same connection error many times a second;
    the first of a kind passes, the repeats within the window are counted, and the next one
    to pass says how many were held back.
    """

    def __init__(
        self, prefix: str = "kafka", window_s: float = 30.0, clock: Any = time.monotonic
    ) -> None:
        super().__init__()
        self._prefix = prefix
        self._window_s = window_s
        self._clock = clock
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name == self._prefix or record.name.startswith(self._prefix + ".")):
            return True
        key = (record.name, str(record.msg))
        now = self._clock()
        passed_at, held = self._seen.get(key, (float("-inf"), 0))
        if now - passed_at < self._window_s:
            self._seen[key] = (passed_at, held + 1)
            return False
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {self._window_s:g} s)"
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
    handler.addFilter(RepeatLimit())
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
