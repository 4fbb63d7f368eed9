"""Kafka client options come from one place, security settings passed through unchanged."""

from __future__ import annotations

from workers.config import Settings
from workers.runtime.kafka_config import client_config, consumer_config, producer_config


def test_plaintext_defaults_leave_security_options_unset() -> None:
    config = client_config(Settings(kafka_bootstrap_servers="a:9092,b:9092"))
    assert config["bootstrap_servers"] == ["a:9092", "b:9092"]
    assert config["security_protocol"] == "PLAINTEXT"
    assert not {"sasl_mechanism", "sasl_plain_password", "ssl_cafile"} & config.keys()


def test_sasl_and_tls_settings_are_passed_through() -> None:
    settings = Settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_mechanism="SCRAM-SHA-512",
        kafka_sasl_username="imr",
        kafka_sasl_password="s3cret",  # type: ignore[arg-type]
        kafka_ssl_cafile="/etc/ca.pem",
        kafka_ssl_certfile="/etc/cert.pem",
        kafka_ssl_keyfile="/etc/key.pem",
    )
    config = client_config(settings)
    assert config["security_protocol"] == "SASL_SSL"
    assert config["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (config["sasl_plain_username"], config["sasl_plain_password"]) == ("imr", "s3cret")
    assert config["ssl_cafile"] == "/etc/ca.pem"
    assert (config["ssl_certfile"], config["ssl_keyfile"]) == ("/etc/cert.pem", "/etc/key.pem")


def test_consumers_commit_manually_and_read_committed_when_asked() -> None:
    settings = Settings(max_poll_records=3, max_poll_interval_ms=60_000)
    config = consumer_config(settings, "imr-parse", read_committed=True)
    assert config["enable_auto_commit"] is False
    assert config["isolation_level"] == "read_committed"
    assert (config["max_poll_records"], config["max_poll_interval_ms"]) == (3, 60_000)
    assert "group_instance_id" not in config
    uncommitted = consumer_config(settings, "imr-parse", read_committed=False)
    assert uncommitted["isolation_level"] == "read_uncommitted"


def test_an_instance_id_makes_group_members_static() -> None:
    settings = Settings(instance_id="parse-0")
    assert consumer_config(settings, "imr-parse", read_committed=False)["group_instance_id"] == (
        "parse-0"
    )
    assert "group_instance_id" not in consumer_config(settings, None, read_committed=False)


def test_producers_are_idempotent_and_transactional_only_with_an_id() -> None:
    plain = producer_config(Settings(), None)
    assert (plain["acks"], plain["enable_idempotence"]) == ("all", True)
    assert "transactional_id" not in plain
    assert producer_config(Settings(), "imr-parse-x")["transactional_id"] == "imr-parse-x"
