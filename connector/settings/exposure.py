"""Settings that expose the census or the token on the network: said at start, in `check` and in `config`.

A plain `http://` API URL sends patients' names and the token in clear text; `verify_tls: false` lets anyone
on the path pose as the API. Both are legitimate only on this machine (a local receiver, a test), so a loopback
host is not warned about.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from connector.settings.model import ApiSettings


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def api_warnings(api: ApiSettings) -> list[str]:
    """One Portuguese line per setting that exposes the census or the token (none for a loopback API)."""
    if is_loopback(api.url):
        return []
    warnings = []
    if api.url.lower().startswith("http://"):
        warnings.append(
            "HOTELEITOS_API_URL usa http:// (sem TLS): o censo, com nomes de pacientes, e o token passam abertos "
            "pela rede. Use https://."
        )
    elif not api.verify_tls and api.ca_bundle is None:
        warnings.append(
            "HOTELEITOS_API_VERIFY_TLS=false: o certificado da API não é verificado e qualquer um no caminho pode "
            "se passar por ela e receber o censo e o token. Informe a CA do firewall em HOTELEITOS_API_CA_BUNDLE "
            "e religue a verificação."
        )
    return warnings
