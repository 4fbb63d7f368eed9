#!/bin/sh
# List and describe consumer groups (lag per partition).
exec /opt/kafka/bin/kafka-run-class.sh org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "$@"
