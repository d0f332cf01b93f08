"""deploy/kubernetes, rendered offline with kustomize (pykustomize: kustomize's own code) and validated against
the Kubernetes API schemas (kubernetes-validate): one pod that never overlaps another, a read-only root, secrets as
files, probes on the health server, memory above the measured peak, and a configuration the connector accepts."""

from __future__ import annotations

import asyncio
import base64
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from connector.commands.configuration import load_settings
from tests.support.cli import ROOT
from tests.support.services import unavailable

DEPLOY = ROOT / "deploy" / "kubernetes"
OVERLAYS = sorted(p.parent for p in (DEPLOY / "overlays").glob("*/kustomization.yaml"))
PEAK_50K_MB = 157  # ./scripts/bench, 50,000 admitted patients: peak RSS of a whole cycle (150 MiB)
KUBERNETES_VERSIONS = ("1.25.0", "1.37.0")  # oldest and newest schemas kubernetes-validate carries
UNITS = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "K": 10**3, "M": 10**6, "G": 10**9, "": 1}


def render(folder: Path) -> list[dict[str, Any]]:
    try:
        import pykustomize
    except ImportError:
        unavailable("pykustomize ausente: ./scripts/test o instala em .venv")
    try:
        built = asyncio.run(pykustomize.build(str(folder)))
    except pykustomize.KustomizeLibraryNotFound:
        unavailable("pykustomize sem a biblioteca nativa para esta plataforma (só linux-amd64)")
    return [doc for doc in yaml.safe_load_all(built.yaml) if doc]


def by_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def size(quantity: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([KMG]i?)?", quantity).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit or ""]


@pytest.fixture(scope="module", params=OVERLAYS, ids=[p.name for p in OVERLAYS])
def rendered(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def test_there_is_an_example_hospital() -> None:
    """At least one overlay exists to copy from."""
    assert "hospital-exemplo" in [p.name for p in OVERLAYS]


def test_every_object_is_valid_kubernetes(rendered: list[dict[str, Any]]) -> None:
    """Each rendered object passes the strict schema of the oldest and the newest Kubernetes versions covered."""
    from kubernetes_validate import validate

    assert {d["kind"] for d in rendered} == {"Deployment", "PersistentVolumeClaim", "ConfigMap", "Secret"}
    for doc in rendered:
        for version in KUBERNETES_VERSIONS:
            validate(doc, version, strict=True)


def test_one_pod_at_a_time_non_root_and_read_only(rendered: list[dict[str, Any]]) -> None:
    """One replica, Recreate (never two pods pushing the same census), the image's uid, no privilege, a
    read-only root with only /tmp, the logs and the outbox writable, probes on /healthz and /readyz."""
    (deployment,) = by_kind(rendered, "Deployment")
    spec = deployment["spec"]
    assert spec["replicas"] == 1 and spec["strategy"] == {"type": "Recreate"}
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: volumes[m["name"]] for m in container["volumeMounts"]}
    (claim,) = by_kind(rendered, "PersistentVolumeClaim")
    assert mounts["/app/state"]["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
    assert "emptyDir" in mounts["/tmp"] and "emptyDir" in mounts["/app/log"]


def test_memory_is_sized_above_the_measured_peak(rendered: list[dict[str, Any]]) -> None:
    """The memory limit leaves room above a 50,000-patient cycle; the request covers that cycle too."""
    (deployment,) = by_kind(rendered, "Deployment")
    resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert size(resources["limits"]["memory"]) >= 2 * PEAK_50K_MB * 10**6
    assert size(resources["requests"]["memory"]) >= PEAK_50K_MB * 10**6
    assert size(resources["requests"]["memory"]) <= size(resources["limits"]["memory"])


def test_the_connector_accepts_the_rendered_configuration(
    rendered: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean_env: Path
) -> None:
    """The ConfigMap as environment and the Secret as files where the pod mounts them: the connector's own loader
    accepts them, reading the token and the database URL from the files."""
    (deployment,) = by_kind(rendered, "Deployment")
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    (config_map,) = by_kind(rendered, "ConfigMap")
    (secret,) = by_kind(rendered, "Secret")
    assert container["envFrom"] == [{"configMapRef": {"name": config_map["metadata"]["name"]}}]
    secret_volume = next(v for v in deployment["spec"]["template"]["spec"]["volumes"] if "secret" in v)
    assert secret_volume["secret"]["secretName"] == secret["metadata"]["name"]
    mount = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == secret_volume["name"])
    for key, value in secret["data"].items():
        (tmp_path / key).write_bytes(base64.b64decode(value))
    env = {**config_map["data"], **{e["name"]: e["value"] for e in container["env"]}}
    for name, value in env.items():
        monkeypatch.setenv(name, value.replace(mount, str(tmp_path)) if value.startswith(mount) else value)
    monkeypatch.setenv("HOTELEITOS_STATE_DIR", str(tmp_path / "state"))
    settings, layers = load_settings()
    assert settings.api.token is not None and settings.api.token.get_secret_value()
    assert settings.source.url is not None and layers.origin(("source", "url")) == "ambiente"
    assert settings.health.port == 8080 == container["ports"][0]["containerPort"]
    assert str(settings.log.dir) == "/app/log"
