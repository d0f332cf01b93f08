"""The Oracle driver's mode (`oracle:`, `HOTELEITOS_ORACLE_*`): thin, or thick with the Oracle Client libraries.

python-oracledb speaks to Oracle by itself ("thin") from Oracle 12.1 on, without Native Network Encryption and
without the old 10G password verifier. The rest needs the Oracle Client ("thick"): Instant Client 19, unzipped in
`client_dir` (in the image, mounted or built in at /opt/oracle/instantclient). `auto` starts thin and turns thick
when the server refuses thin mode and the libraries are there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field

from connector.settings.rules import Group

DEFAULT_CLIENT_DIR = Path("/opt/oracle/instantclient")
# The library python-oracledb loads in thick mode, on each platform (Linux names carry the version too).
_CLIENT_LIBRARIES = ("libclntsh.so", "libclntsh.so.*", "libclntsh.dylib", "oci.dll")
MOUNT_HINT = (
    "monte o Instant Client 19 (pacote Basic Light, versão 19.12 ou mais nova) descompactado em "
    f"{DEFAULT_CLIENT_DIR} (ex.: -v /opt/oracle/instantclient_19_25:{DEFAULT_CLIENT_DIR}:ro), ou informe a pasta "
    "em HOTELEITOS_ORACLE_CLIENT_DIR, ou use a imagem com o Oracle Client (docs/oracle.md)"
)


class OracleSettings(Group):
    """How the connector speaks to an Oracle database (only read when the HIS database is Oracle)."""

    client: Literal["auto", "thin", "thick"] = Field(
        "auto",
        description="auto: thin mode, and the Oracle Client (thick) when the server refuses thin mode (Oracle 11.2, "
        "Native Network Encryption, an old password verifier) and the client is installed; thin: never the client; "
        "thick: always the client (the connector does not start without it).",
    )
    client_dir: Path | None = Field(
        None, description=f"Folder of the Oracle Instant Client libraries (default {DEFAULT_CLIENT_DIR})."
    )
    config_dir: Path | None = Field(
        None,
        description="Folder of tnsnames.ora/sqlnet.ora (TNS aliases, Oracle Net settings); default TNS_ADMIN.",
    )

    @property
    def library_dir(self) -> Path:
        """Where the Instant Client is looked for."""
        return self.client_dir or DEFAULT_CLIENT_DIR

    @property
    def network_dir(self) -> Path | None:
        """The Oracle Net configuration folder: the setting, else TNS_ADMIN (as Oracle's own tools read it)."""
        if self.config_dir is not None:
            return self.config_dir
        tns_admin = os.environ.get("TNS_ADMIN", "").strip()
        return Path(tns_admin) if tns_admin else None

    def library(self) -> Path | None:
        """The Oracle Client library found in `library_dir`, or None."""
        return client_library(self.library_dir)


def client_library(folder: Path) -> Path | None:
    """The Oracle Client library in `folder` (an unzipped Instant Client), or None when there is none."""
    if not folder.is_dir():
        return None
    for pattern in _CLIENT_LIBRARIES:
        found = sorted(folder.glob(pattern))
        if found:
            return found[0]
    return None


def oracle_problems(oracle: OracleSettings, backend: str | None) -> list[str]:
    """What stops an Oracle source from starting: thick mode without the libraries, a configuration folder that is
    not one. Nothing for other databases (`backend` is the URL's)."""
    if backend != "oracle":
        return []
    problems = []
    if oracle.client == "thick" and oracle.library() is None:
        problems.append(
            f"HOTELEITOS_ORACLE_CLIENT (oracle.client): thick pede o Oracle Client, e não há biblioteca libclntsh em "
            f"{oracle.library_dir}. Para usá-lo, {MOUNT_HINT}; para não usá-lo, HOTELEITOS_ORACLE_CLIENT=auto."
        )
    network = oracle.network_dir
    if network is not None and not network.is_dir():
        origin = "HOTELEITOS_ORACLE_CONFIG_DIR (oracle.config_dir)" if oracle.config_dir else "TNS_ADMIN"
        problems.append(
            f"{origin}: a pasta {network} não existe; monte a pasta com tnsnames.ora/sqlnet.ora nesse caminho ou "
            "corrija o caminho."
        )
    return problems


def describe(oracle: OracleSettings) -> str:
    """The configured mode and what it will do here, for `config` and `check` (before any connection)."""
    found = oracle.library()
    client = (
        f"Oracle Client encontrado em {oracle.library_dir} ({found.name})"
        if found is not None
        else f"Oracle Client não instalado em {oracle.library_dir}"
    )
    modes = {
        "thin": "modo thin: o Oracle Client nunca é usado",
        "thick": f"modo thick: {client}",
        "auto": "modo auto: thin, e o Oracle Client (thick) se o servidor recusar o modo thin (Oracle 11.2, "
        f"criptografia nativa exigida, verificador de senha antigo); {client}"
        + ("" if found is not None else ": esses servidores não conectam (docs/oracle.md)"),
    }
    text = modes[oracle.client]
    network = oracle.network_dir
    if network is not None:
        origin = "HOTELEITOS_ORACLE_CONFIG_DIR" if oracle.config_dir is not None else "TNS_ADMIN"
        text += f"; tnsnames.ora/sqlnet.ora em {network} ({origin})"
    return text + "."
