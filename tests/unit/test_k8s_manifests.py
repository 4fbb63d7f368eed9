"""The Kubernetes manifests in ``deploy/k8s`` are valid and agree with the code.

Built-in kinds are validated against the Kubernetes JSON schemas shipped by the
``kubernetes-validate`` package (strict: unknown fields are errors). KEDA's CRDs are not in
those schemas, so they are checked against the small schemas below, which cover the fields
these manifests use. When ``kubectl`` is on the PATH, the kustomize output of the base and the
example overlay is validated the same way.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from workers.cli import build_parser
from workers.config import STAGES, Settings, Stage
from workers.extraction.text_layer import DEFAULT_MAX_OCR_PAGES
from workers.runtime.kafka_config import consumer_config
from workers.runtime.stage import group_id
from workers.stages import source_topic

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAY = K8S / "overlays" / "example"
KUBERNETES_VERSION = "1.30.0"

Manifest = dict[str, Any]

_STRING = {"type": "string"}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}


def _closed(properties: dict[str, Any], *required: str) -> dict[str, Any]:
    """An object schema with exactly ``properties``, of which ``required`` must be present."""
    return {
        "type": "object",
        "required": list(required),
        "properties": properties,
        "additionalProperties": False,
    }


_OBJECT_META = _closed(
    {"name": _STRING, "namespace": _STRING, "labels": _STRING_MAP, "annotations": _STRING_MAP},
    "name",
)


def _keda_resource(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A KEDA custom resource of ``kind`` whose ``spec`` matches the schema ``spec``."""
    return _closed(
        {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "kind": {"const": kind},
            "metadata": _OBJECT_META,
            "spec": spec,
        },
        "apiVersion",
        "kind",
        "metadata",
        "spec",
    )


SCALED_OBJECT_SCHEMA = _keda_resource(
    "ScaledObject",
    _closed(
        {
            "scaleTargetRef": _closed(
                {"apiVersion": _STRING, "kind": _STRING, "name": _STRING}, "name"
            ),
            "minReplicaCount": {"type": "integer", "minimum": 0},
            "maxReplicaCount": {"type": "integer", "minimum": 1},
            "pollingInterval": {"type": "integer", "minimum": 1},
            "cooldownPeriod": {"type": "integer", "minimum": 0},
            "triggers": {
                "type": "array",
                "minItems": 1,
                "items": _closed(
                    {
                        "type": _STRING,
                        "name": _STRING,
                        # KEDA reads trigger metadata as a map of strings.
                        "metadata": _STRING_MAP,
                        "authenticationRef": _closed(
                            {"name": _STRING, "kind": {"enum": ["TriggerAuthentication"]}},
                            "name",
                        ),
                    },
                    "type",
                    "metadata",
                ),
            },
        },
        "scaleTargetRef",
        "triggers",
    ),
)
TRIGGER_AUTHENTICATION_SCHEMA = _keda_resource(
    "TriggerAuthentication",
    _closed(
        {
            "secretTargetRef": {
                "type": "array",
                "items": _closed(
                    {"parameter": _STRING, "name": _STRING, "key": _STRING},
                    "parameter",
                    "name",
                    "key",
                ),
            }
        },
        "secretTargetRef",
    ),
)
# Kafka's SASL mechanism names as KEDA's Kafka scaler spells them.
KEDA_SASL = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}
KEDA_SCHEMAS = {
    "ScaledObject": SCALED_OBJECT_SCHEMA,
    "TriggerAuthentication": TRIGGER_AUTHENTICATION_SCHEMA,
}


def _load(path: Path) -> list[Manifest]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def _manifest_files() -> Iterator[Path]:
    for folder in (BASE, OVERLAY):
        for path in sorted(folder.glob("*.yaml")):
            if path.name != "kustomization.yaml":
                yield path


def _base() -> list[Manifest]:
    kustomization = _load(BASE / "kustomization.yaml")[0]
    return [doc for name in kustomization["resources"] for doc in _load(BASE / name)]


def _one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def _validate(manifest: Manifest) -> None:
    schema = KEDA_SCHEMAS.get(manifest["kind"])
    if schema is not None:
        jsonschema.validate(manifest, schema)
    else:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)


def _configmap() -> dict[str, str]:
    data: dict[str, str] = _one(_base(), "ConfigMap", "imr-config")["data"]
    return data


def _default(field: str) -> Any:
    return Settings.model_fields[field].default


@pytest.mark.parametrize(
    "path", list(_manifest_files()), ids=lambda p: p.relative_to(K8S).as_posix()
)
def test_manifest_matches_its_schema(path: Path) -> None:
    for manifest in _load(path):
        _validate(manifest)


def test_the_schemas_reject_an_unknown_field() -> None:
    deployment = copy.deepcopy(_one(_base(), "Deployment", "imr-parse"))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        _validate(deployment)
    scaled = copy.deepcopy(_one(_base(), "ScaledObject", "imr-parse"))
    scaled["spec"]["triggers"][0]["metadata"]["lagThreshold"] = 10
    with pytest.raises(jsonschema.ValidationError):
        _validate(scaled)


@pytest.mark.parametrize("folder", [BASE, OVERLAY], ids=["base", "overlay"])
def test_kustomization_lists_every_file(folder: Path) -> None:
    kustomization = _load(folder / "kustomization.yaml")[0]
    listed = {r for r in kustomization.get("resources", []) if not r.startswith("..")}
    listed |= {p["path"] for p in kustomization.get("patches", []) if "path" in p}
    on_disk = {p.name for p in folder.glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_has_a_deployment_a_budget_and_a_scaler(stage: str) -> None:
    manifests = _base()
    name = f"imr-{stage}"
    deployment = _one(manifests, "Deployment", name)
    budget = _one(manifests, "PodDisruptionBudget", name)
    scaler = _one(manifests, "ScaledObject", name)

    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert scaler["spec"]["scaleTargetRef"]["name"] == name
    # The ScaledObject owns the replica count; a fixed one would fight it on every apply.
    assert "replicas" not in deployment["spec"]

    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    args = build_parser().parse_args(container["args"])
    assert (args.command, args.stage) == ("worker", stage)


def test_only_the_known_stages_the_reconcile_and_the_claims_side_are_deployed() -> None:
    deployments = {m["metadata"]["name"] for m in _base() if m["kind"] == "Deployment"}
    expected = {f"imr-{stage}" for stage in STAGES} | {"imr-reconcile", "imr-sink", "imr-review"}
    assert deployments == expected


def test_reconcile_runs_as_a_single_service() -> None:
    deployment = _one(_base(), "Deployment", "imr-reconcile")["spec"]
    assert deployment["replicas"] == 1
    assert deployment["strategy"] == {"type": "Recreate"}  # never two passes at once
    (container,) = deployment["template"]["spec"]["containers"]
    args = build_parser().parse_args(container["args"])
    assert (args.command, args.every) == ("reconcile", 120.0)


def test_the_sink_and_the_console_run_their_commands_beside_postgres() -> None:
    manifests = _base()
    commands = {}
    for name in ("imr-sink", "imr-review"):
        (container,) = _one(manifests, "Deployment", name)["spec"]["template"]["spec"]["containers"]
        assert {"secretRef": {"name": "imr-credentials"}} in container["envFrom"]
        commands[name] = build_parser().parse_args(container["args"])
    assert commands["imr-sink"].command == "sink"
    assert (commands["imr-review"].command, commands["imr-review"].host) == ("review", "0.0.0.0")
    postgres = _one(manifests, "StatefulSet", "imr-postgres")["spec"]["template"]["spec"]
    (container,) = postgres["containers"]
    password = next(env for env in container["env"] if env["name"] == "POSTGRES_PASSWORD")
    assert password["valueFrom"]["secretKeyRef"]["name"] == "imr-credentials"
    overlay = _load(OVERLAY / "kustomization.yaml")[0]
    literals = [item.split("=", 1)[0] for item in overlay["secretGenerator"][0]["literals"]]
    assert {"IMR_DATABASE_URL", "IMR_REVIEW_USERS", "POSTGRES_PASSWORD"} <= set(literals)


@pytest.mark.parametrize("stage", STAGES)
def test_scaler_watches_the_stage_consumer_group_and_topic(stage: Stage) -> None:
    config = _configmap()
    scaler = _one(_base(), "ScaledObject", f"imr-{stage}")["spec"]
    (trigger,) = scaler["triggers"]
    settings = Settings(_env_file=None, group_id_prefix=config["IMR_GROUP_ID_PREFIX"])

    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == group_id(settings, stage)
    assert trigger["metadata"]["topic"] == source_topic(stage, settings)
    # A group without offsets yet starts where the workers' consumers would.
    reset = consumer_config(settings, None, read_committed=False)["auto_offset_reset"]
    assert trigger["metadata"]["offsetResetPolicy"] == reset
    assert trigger["metadata"]["bootstrapServers"] == config["IMR_KAFKA_BOOTSTRAP_SERVERS"]
    assert int(trigger["metadata"]["lagThreshold"]) >= 1
    partitions = int(config["IMR_TOPIC_PARTITIONS"])
    assert partitions == _default("topic_partitions")
    assert 1 <= scaler["minReplicaCount"] <= scaler["maxReplicaCount"] <= partitions


def _env_names() -> set[str]:
    names = set(_configmap())
    for manifest in _base():
        if manifest["kind"] == "Deployment":
            for container in manifest["spec"]["template"]["spec"]["containers"]:
                names |= {env["name"] for env in container.get("env", [])}
    overlay = _load(OVERLAY / "kustomization.yaml")[0]
    for generator in overlay["secretGenerator"]:
        names |= {literal.split("=", 1)[0] for literal in generator["literals"]}
    names |= set(_load(OVERLAY / "config.yaml")[0]["data"])
    return {name for name in names if name.startswith("IMR_")}


def test_every_imr_variable_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    names = _env_names()
    assert {"IMR_KAFKA_BOOTSTRAP_SERVERS", "IMR_S3_SECRET_ACCESS_KEY"} <= names
    unknown = {n for n in names if n.removeprefix("IMR_").lower() not in Settings.model_fields}
    assert unknown == set()
    # And the values in the ConfigMaps parse as settings.
    for data in (_configmap(), _load(OVERLAY / "config.yaml")[0]["data"]):
        for key, value in data.items():
            monkeypatch.setenv(key, value)
        Settings(_env_file=None)


OCR_SECONDS_PER_PAGE = 3.0
"""Measured on a 2-core machine (docs/letter-layouts.md, Scanned pages)."""


def test_an_ocr_pod_is_given_the_time_to_finish_the_scan_in_flight() -> None:
    pod = _one(_base(), "Deployment", "imr-ocr")["spec"]["template"]["spec"]
    in_flight = DEFAULT_MAX_OCR_PAGES * OCR_SECONDS_PER_PAGE
    assert pod["terminationGracePeriodSeconds"] > _default("shutdown_grace_seconds") + in_flight


@pytest.mark.parametrize("name", [*STAGES, "reconcile"])
def test_pods_are_probed_bounded_and_locked_down(name: str) -> None:
    pod = _one(_base(), "Deployment", f"imr-{name}")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    port = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert port == int(_configmap()["IMR_HTTP_PORT"])
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        assert container[probe]["httpGet"] == {"path": path, "port": "http"}
    assert {"cpu", "memory"} <= container["resources"]["requests"].keys()
    assert {"cpu", "memory"} <= container["resources"]["limits"].keys()

    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == _dockerfile_uid()
    # Workers stop within the shutdown grace; the kubelet must wait at least that long.
    assert pod["terminationGracePeriodSeconds"] > _default("shutdown_grace_seconds")
    assert {"configMapRef": {"name": "imr-config"}} in container["envFrom"]
    assert {"secretRef": {"name": "imr-credentials"}} in container["envFrom"]


def _dockerfile_uid() -> int:
    users = re.findall(r"^USER\s+(\d+)", (REPO / "deploy" / "Dockerfile").read_text(), re.M)
    return int(users[-1])


def test_overlay_authenticates_the_scalers_with_the_workers_secret() -> None:
    auth = _load(OVERLAY / "trigger-authentication.yaml")[0]
    overlay = _load(OVERLAY / "kustomization.yaml")[0]
    (generator,) = overlay["secretGenerator"]
    keys = {literal.split("=", 1)[0] for literal in generator["literals"]}
    assert generator["name"] == "imr-credentials"
    for ref in auth["spec"]["secretTargetRef"]:
        assert ref["name"] == generator["name"]
        assert ref["key"] in keys


def test_overlay_gives_keda_the_workers_sasl_mechanism() -> None:
    overlay = _load(OVERLAY / "kustomization.yaml")[0]
    (generator,) = overlay["secretGenerator"]
    secret = dict(literal.split("=", 1) for literal in generator["literals"])
    auth = _load(OVERLAY / "trigger-authentication.yaml")[0]
    keda = {ref["parameter"]: secret[ref["key"]] for ref in auth["spec"]["secretTargetRef"]}
    config = _load(OVERLAY / "config.yaml")[0]["data"]
    assert keda["sasl"] == KEDA_SASL[config["IMR_KAFKA_SASL_MECHANISM"]]
    assert (keda["tls"] == "enable") == config["IMR_KAFKA_SECURITY_PROTOCOL"].endswith("SSL")
    assert keda["username"] == secret["IMR_KAFKA_SASL_USERNAME"]


def _kustomize(folder: Path) -> list[Manifest]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed: the kustomize output is not checked")
    built = subprocess.run(
        [kubectl, "kustomize", str(folder)], capture_output=True, text=True, check=True
    )
    return [doc for doc in yaml.safe_load_all(built.stdout) if doc is not None]


@pytest.mark.parametrize("folder", [BASE, OVERLAY], ids=["base", "overlay"])
def test_kustomize_output_is_valid(folder: Path) -> None:
    for manifest in _kustomize(folder):
        _validate(manifest)


def test_overlay_output_points_keda_at_the_workers_brokers() -> None:
    manifests = _kustomize(OVERLAY)
    brokers = _one(manifests, "ConfigMap", "imr-config")["data"]["IMR_KAFKA_BOOTSTRAP_SERVERS"]
    auth = _one(manifests, "TriggerAuthentication", "imr-kafka-auth")
    scalers = [m for m in manifests if m["kind"] == "ScaledObject"]
    assert len(scalers) == len(STAGES)
    for scaler in scalers:
        (trigger,) = scaler["spec"]["triggers"]
        assert trigger["metadata"]["bootstrapServers"] == brokers
        assert trigger["authenticationRef"]["name"] == auth["metadata"]["name"]
    secret = _one(manifests, "Secret", "imr-credentials")
    assert {ref["key"] for ref in auth["spec"]["secretTargetRef"]} <= secret["data"].keys()
