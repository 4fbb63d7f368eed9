"""The shared exit of the Kafka-using verbs when the broker cannot be reached."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable

from kafka.errors import KafkaConnectionError, KafkaTimeoutError

from workers.config import Settings

BROKER_UNREACHABLE = 3
"""Exit status of a verb that could not reach the broker."""

Handler = Callable[[argparse.Namespace], int]


def exits_when_broker_unreachable(verb: str, handler: Handler) -> Handler:
    """``handler`` printing a one-line reason and returning :data:`BROKER_UNREACHABLE`, instead
    of a traceback, when no broker answers (bootstrap or a metadata wait timing out).

    The Kafka errors are caught as raised by the client, before the runtime wraps them: a
    :class:`~workers.runtime.errors.DeliveryError` means the broker was reached and a delivery
    failed, which each verb reports itself.
    """

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (KafkaTimeoutError, KafkaConnectionError) as error:
            servers = Settings().kafka_bootstrap_servers
            print(
                f"imr {verb}: Kafka broker unreachable at {servers} ({type(error).__name__})",
                file=sys.stderr,
            )
            return BROKER_UNREACHABLE

    return run
