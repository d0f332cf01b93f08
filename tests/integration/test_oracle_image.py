"""The image with the Oracle Instant Client, built without the Internet from the zip a hospital puts beside the
Dockerfile, and the default image that carries no Oracle binary but takes a client mounted at run time.

The zip here is a stand-in with the Instant Client's layout (a folder instantclient_19_25 with libclntsh.so as a
symbolic link to libclntsh.so.19.1, and the license file): it tests the packaging only, never the driver."""

from __future__ import annotations

import shutil
import stat
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_container import BASE, need_podman, podman
from tests.support.cli import ROOT

RUN = uuid.uuid4().hex[:8]
REPOSITORY = f"localhost/hoteleitos-connector-oracle-{RUN}"  # other checkouts build at the same time
CONTEXT = ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "connector", "adapters", "queries")
ORACLE_SOURCE = {
    "HOTELEITOS_API_URL": "https://api.hoteleitos.test",
    "HOTELEITOS_API_TOKEN": "token-de-teste",
    "HOTELEITOS_SOURCE_VENDOR": "mv",
    "HOTELEITOS_SOURCE_URL": "oracle+oracledb://hoteleitos:segredo@10.0.0.10:1521/?service_name=PROD",
    "HOTELEITOS_ORACLE_CLIENT": "thick",
}


def instant_client_zip(folder: Path, release: str = "19_25") -> Path:
    """A stand-in for Oracle's Basic Light zip: the layout, a symbolic link stored as Info-ZIP stores one, the
    license; the "library" is text."""
    major, minor = release.split("_")
    path = folder / f"instantclient-basiclite-linux.x64-{major}.{minor}.0.0.0dbru.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, mode in (
            ("libclntsh.so.19.1", b"stand-in, not an Oracle library", stat.S_IFREG | 0o755),
            ("libnnz19.so", b"stand-in", stat.S_IFREG | 0o755),
            ("BASIC_LITE_LICENSE", b"Oracle's terms, as they come in the zip", stat.S_IFREG | 0o644),
            ("libclntsh.so", b"libclntsh.so.19.1", stat.S_IFLNK | 0o777),
        ):
            entry = zipfile.ZipInfo(f"instantclient_{release}/{name}")
            entry.create_system, entry.external_attr = 3, mode << 16  # Unix, with its file type
            archive.writestr(entry, data)
    return path


def context(folder: Path, release: str) -> Path:
    """The build context a hospital has: the project's files and the zip beside the Dockerfile."""
    for name in CONTEXT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    instant_client_zip(folder, release)
    return folder


def build(folder: Path, tag: str, *target: str) -> subprocess.CompletedProcess[str]:
    return podman(
        "build", "--format", "docker", "--network", "host", "--build-arg", f"BASE_IMAGE={BASE}", *target,
        "-t", f"{REPOSITORY}:{tag}", str(folder), check=False, timeout=1200,
    )  # fmt: skip


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The default image and the oracle-client target, from one build context."""
    need_podman()
    folder = context(tmp_path_factory.mktemp("context"), "19_25")
    tags = {"default": f"{REPOSITORY}:thin", "oracle-client": f"{REPOSITORY}:oracle-client"}
    try:
        for name, target in (("default", ()), ("oracle-client", ("--target", "oracle-client"))):
            done = build(folder, tags[name].rsplit(":", 1)[1], *target)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        yield tags
    finally:
        podman("rmi", "-f", *tags.values(), check=False)


def run(
    image: str, *args: str, env: dict[str, str] | None = None, mount: str | None = None
) -> subprocess.CompletedProcess[str]:
    flags = [item for key, value in (env or {}).items() for item in ("-e", f"{key}={value}")]
    volume = ["-v", f"{mount}:/opt/oracle/instantclient:ro"] if mount else []
    return podman("run", "--rm", "--network", "host", *volume, *flags, image, *args, check=False)


def shell(image: str, command: str) -> str:
    return podman("run", "--rm", "--entrypoint", "sh", image, "-c", command, check=False).stdout


def test_the_variant_carries_the_unzipped_client_with_its_links_and_license(images: dict[str, str]) -> None:
    """/opt/oracle/instantclient holds the zip's folder: libclntsh.so still a link, Oracle's license beside it, and
    the libaio the client loads found under the name it asks for."""
    listing = shell(
        images["oracle-client"],
        "readlink /opt/oracle/instantclient/libclntsh.so; ls /opt/oracle/instantclient; echo $LD_LIBRARY_PATH; "
        "python3 -c \"import ctypes; ctypes.CDLL('libaio.so.1'); print('libaio.so.1')\"",
    )
    lines = listing.split()
    assert lines[0] == "libclntsh.so.19.1"
    assert {"BASIC_LITE_LICENSE", "libclntsh.so", "libclntsh.so.19.1", "libnnz19.so"} <= set(lines)
    assert "/opt/oracle/instantclient" in lines and "libaio.so.1" in lines


def test_config_in_the_variant_finds_the_client_in_thick_mode(images: dict[str, str]) -> None:
    """`config` in the variant with HOTELEITOS_ORACLE_CLIENT=thick: no configuration problem, the client found."""
    done = run(images["oracle-client"], "config", env=ORACLE_SOURCE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "oracle.client = thick" in done.stdout
    assert "modo thick: Oracle Client encontrado em /opt/oracle/instantclient (libclntsh.so)" in done.stdout
    assert "segredo" not in done.stdout


def test_the_default_image_has_no_oracle_binary_and_takes_one_mounted(images: dict[str, str], tmp_path: Path) -> None:
    """Without a client, thick mode stops at start (exit 2) saying where to mount it; the unzipped folder mounted
    there at run time is found."""
    assert shell(images["default"], "ls -A /opt/oracle/instantclient | wc -l").strip() == "0"
    refused = run(images["default"], "config", env=ORACLE_SOURCE)
    assert refused.returncode == 2
    assert ":/opt/oracle/instantclient:ro" in refused.stderr and "docs/oracle.md" in refused.stderr
    with zipfile.ZipFile(instant_client_zip(tmp_path)) as archive:
        archive.extractall(tmp_path)
    unzipped = tmp_path / "instantclient_19_25"
    (unzipped / "libclntsh.so").unlink()
    (unzipped / "libclntsh.so").symlink_to("libclntsh.so.19.1")
    for path in [unzipped, *unzipped.iterdir()]:
        path.chmod(0o755)  # readable by the image's uid 10001
    mounted = run(images["default"], "config", env=ORACLE_SOURCE, mount=str(unzipped))
    assert mounted.returncode == 0, mounted.stderr
    assert "Oracle Client encontrado em /opt/oracle/instantclient" in mounted.stdout


def test_the_variant_refuses_a_client_older_than_19_12(images: dict[str, str], tmp_path: Path) -> None:
    """An Instant Client 19.11 zip stops the build with the reason (19.12 is the first to reach both 11.2 and servers
    that refuse weak crypto)."""
    folder = context(tmp_path, "19_11")
    done = build(folder, "old-client", "--target", "oracle-client")
    podman("rmi", "-f", f"{REPOSITORY}:old-client", check=False)
    assert done.returncode != 0
    assert "use o 19.12 ou mais novo" in done.stdout + done.stderr
