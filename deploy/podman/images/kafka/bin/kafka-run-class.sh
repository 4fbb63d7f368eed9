#!/bin/sh
# Run a Kafka class with every jar in /opt/kafka/libs on the class path. KAFKA_HEAP_OPTS,
# KAFKA_LOG4J_OPTS and KAFKA_OPTS are honoured as by the distribution's script of this name.
tools_log4j=/opt/kafka/config/tools-log4j2.yaml
[ -f "$tools_log4j" ] || tools_log4j=/etc/kafka/docker/tools-log4j2.yaml
# shellcheck disable=SC2086 # the *_OPTS variables are lists of JVM flags
exec java ${KAFKA_HEAP_OPTS:--Xmx256M} \
  ${KAFKA_LOG4J_OPTS:--Dlog4j2.configurationFile=$tools_log4j} \
  ${KAFKA_OPTS:-} -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
  -cp '/opt/kafka/libs/*' "$@"
