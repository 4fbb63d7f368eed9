"""Apache Kafka in KRaft mode (one combined broker and controller), assembled from Maven Central."""

from __future__ import annotations

import base64
import contextlib
import os
import shutil
import uuid
from pathlib import Path

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

from .processes import ManagedProcess, port_open, require_tool, run_checked, wait_until
from .settings import StackSettings

LOG4J_VERSION = "2.25.5"
EVENTS_TOPIC_PARTITIONS = 4


def render_pom(kafka_version: str, *kafka_artifacts: str) -> str:
    """A throw-away POM whose runtime dependencies are everything the broker needs.

    ``kafka_2.13`` brings log4j-core but no SLF4J binding for its slf4j-api 1.7,
    so the matching log4j bridge is added to route broker logging through log4j2.
    ``kafka_artifacts`` adds more Kafka modules of the same version (e.g. ``kafka-tools``).
    """
    deps = [
        ("org.apache.kafka", artifact, kafka_version)
        for artifact in ("kafka_2.13", *kafka_artifacts)
    ]
    deps += [
        ("org.apache.logging.log4j", "log4j-core", LOG4J_VERSION),
        ("org.apache.logging.log4j", "log4j-slf4j-impl", LOG4J_VERSION),
    ]
    dep_xml = "\n".join(
        f"    <dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
        f"<version>{v}</version></dependency>"
        for g, a, v in deps
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.imr-stack</groupId>
  <artifactId>kafka-runtime</artifactId>
  <version>{kafka_version}</version>
  <packaging>pom</packaging>
  <dependencies>
{dep_xml}
  </dependencies>
</project>
"""


def render_server_properties(settings: StackSettings, data_dir: Path) -> str:
    host, port, cport = settings.host, settings.kafka_port, settings.kafka_controller_port
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{host}:{cport}",
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{cport}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "4",
        "auto.create.topics.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "4",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "4",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
    }
    return "".join(f"{key}={value}\n" for key, value in props.items())


def render_log4j2(log_file: Path) -> str:
    return f"""status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = {log_file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
"""


def new_cluster_id() -> str:
    """A KRaft cluster id: 16 random bytes, URL-safe base64 without padding, not led by '-'."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def kafka_healthy(bootstrap: str) -> bool:
    """A real metadata round trip: the broker answers DescribeCluster with itself in it."""
    admin = _admin(bootstrap)
    try:
        return bool(admin.describe_cluster()["brokers"])
    finally:
        admin.close()


def ensure_topic(bootstrap: str, topic: str, partitions: int, timeout: float) -> None:
    """Create ``topic`` if missing and wait until every partition has a leader."""
    admin = _admin(bootstrap)
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics([NewTopic(topic, partitions, 1)])

        def led() -> bool:
            parts = admin.describe_topics([topic])[0]["partitions"]
            return bool(parts) and all(p["leader_id"] >= 0 for p in parts)

        wait_until(f"leaders for topic {topic}", led, timeout)
    finally:
        admin.close()


def resolve_jars(pom: str, libs: Path) -> None:
    """Copy the runtime dependencies of ``pom`` from Maven Central into ``libs``, once.

    The POM is kept next to ``libs``; a folder that already holds the broker jar is reused.
    """
    if libs.is_dir() and any(libs.glob("kafka_2.13-*.jar")):
        return
    mvn = require_tool("mvn")
    work = libs.parent
    work.mkdir(parents=True, exist_ok=True)
    (work / "pom.xml").write_text(pom)
    partial = work / f"{libs.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    run_checked(
        [mvn, "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={partial}"],
        cwd=work,
        what="resolving Kafka from Maven Central",
    )
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)


def _admin(bootstrap: str) -> KafkaAdminClient:
    return KafkaAdminClient(
        bootstrap_servers=bootstrap, client_id="imr-stack", request_timeout_ms=5000
    )


class KafkaBroker:
    """Install, format, start and probe the broker for one state folder."""

    def __init__(self, settings: StackSettings) -> None:
        self.settings = settings
        self.home = settings.state_dir / "kafka"
        self.data_dir = self.home / "data"
        self.libs = settings.cache_dir / f"kafka-{settings.kafka_version}" / "lib"
        self.process = ManagedProcess(
            name="kafka",
            pid_file=self.home / "kafka.pid",
            log_file=self.home / "stdout.log",
            marker="kafka.Kafka",
        )

    @property
    def server_log(self) -> Path:
        return self.home / "server.log"

    def install(self) -> None:
        """Resolve the broker's jars into the cache once; later starts reuse them."""
        resolve_jars(render_pom(self.settings.kafka_version), self.libs)

    def configure(self) -> Path:
        """Write the broker config and, on first use, format the storage. Returns the config."""
        self.home.mkdir(parents=True, exist_ok=True)
        config = self.home / "server.properties"
        config.write_text(render_server_properties(self.settings, self.data_dir))
        (self.home / "log4j2.properties").write_text(render_log4j2(self.server_log))
        if not (self.data_dir / "meta.properties").exists():
            cluster_id = new_cluster_id()
            run_checked(
                [*self._java(), "kafka.tools.StorageTool", "format", "--standalone",
                 "--cluster-id", cluster_id, "--config", str(config)],
                cwd=self.home,
                what="formatting Kafka storage",
            )  # fmt: skip
        return config

    def start(self) -> None:
        config = self.configure()
        self.process.start(
            [*self._java(f"-Xmx{self.settings.kafka_heap}"), "kafka.Kafka", str(config)],
            env=os.environ,
            cwd=self.home,
        )

    def wait_ready(self) -> None:
        s, proc = self.settings, self.process
        wait_until("the Kafka port", lambda: port_open(s.host, s.kafka_port), s.start_timeout, proc)
        wait_until(
            "Kafka cluster metadata",
            lambda: kafka_healthy(s.kafka_bootstrap),
            s.start_timeout,
            proc,
        )

    def _java(self, *jvm_opts: str) -> list[str]:
        java_home = os.environ.get("JAVA_HOME")
        java = str(Path(java_home) / "bin" / "java") if java_home else require_tool("java")
        return [
            java,
            *jvm_opts,
            "-XX:+ExitOnOutOfMemoryError",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            "-cp",
            f"{self.libs}/*",
        ]
