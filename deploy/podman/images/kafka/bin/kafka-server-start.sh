#!/bin/sh
# Start the broker with the server.properties given.
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xmx768M -Xms768M}" \
KAFKA_LOG4J_OPTS="${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=/opt/kafka/config/log4j2.yaml}" \
  exec /opt/kafka/bin/kafka-run-class.sh kafka.Kafka "$@"
