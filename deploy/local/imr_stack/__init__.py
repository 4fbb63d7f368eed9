"""Local development stack: Apache Kafka (KRaft) and a versitygw S3 server on loopback."""
