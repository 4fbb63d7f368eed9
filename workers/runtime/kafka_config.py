"""Kafka client configuration built from :class:`~workers.config.Settings`, in one place."""

from __future__ import annotations

from typing import Any

from workers.config import Settings


def client_config(settings: Settings) -> dict[str, Any]:
    """Connection options shared by consumers, producers and the admin client.

    Security options are passed through unchanged; unset ones are left to kafka-python's defaults.
    """
    config: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers.split(","),
        "client_id": settings.kafka_client_id,
        "security_protocol": settings.kafka_security_protocol,
        "bootstrap_timeout_ms": settings.kafka_bootstrap_timeout_ms,
    }
    optional = {
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_sasl_username,
        "sasl_plain_password": (
            settings.kafka_sasl_password.get_secret_value()
            if settings.kafka_sasl_password is not None
            else None
        ),
        "ssl_cafile": settings.kafka_ssl_cafile,
        "ssl_certfile": settings.kafka_ssl_certfile,
        "ssl_keyfile": settings.kafka_ssl_keyfile,
    }
    config.update({name: value for name, value in optional.items() if value is not None})
    return config


def consumer_config(
    settings: Settings, group_id: str | None, *, read_committed: bool
) -> dict[str, Any]:
    """With ``settings.instance_id`` the member is static (KIP-345): a restarted replica gets its
    partitions back at once instead of after the session timeout."""
    config = client_config(settings) | {
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed" if read_committed else "read_uncommitted",
        "max_poll_records": settings.max_poll_records,
        "max_poll_interval_ms": settings.max_poll_interval_ms,
    }
    if group_id is not None and settings.instance_id:
        config["group_instance_id"] = settings.instance_id
    return config


def producer_config(settings: Settings, transactional_id: str | None) -> dict[str, Any]:
    config = client_config(settings) | {
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
    }
    if transactional_id is not None:
        config["transactional_id"] = transactional_id
        config["transaction_timeout_ms"] = settings.transaction_timeout_ms
    return config
