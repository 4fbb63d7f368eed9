#!/bin/sh
# The API versions each broker supports (used as the compose healthcheck).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.BrokerApiVersionsCommand "$@"
