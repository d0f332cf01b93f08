"""How the API's settings must look to travel in an HTTP request: the base URL, the path, the header that carries
the token and its scheme. Each check returns the value as it will be used and why it cannot work (or None)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from urllib.parse import urlsplit

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 `token`: header names and auth schemes
_PORT_RANGE = "porta da URL fora do intervalo 1-65535."
MAX_URL = 4096  # characters: far beyond any real URL, well below what the HTTP client refuses (64 KiB)
MAX_HOST = 253  # bytes of a DNS name


def api_url(value: str) -> tuple[str, str | None]:
    """http or https, a host (IPv6 in brackets), a port in 1-65535, no credentials nor query."""
    url = value.strip().rstrip("/")
    invalid = "URL inválida; use o formato https://servidor[:porta] (IPv6 entre colchetes: http://[::1]:8080)."
    if not url.isprintable() or any(char.isspace() for char in url):
        return url, invalid
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        return url, _PORT_RANGE if "port" in str(error).lower() else invalid
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return url, invalid
    if parts.username is not None or parts.password is not None:
        return url, "a URL da API não leva usuário nem senha: o token vai em HOTELEITOS_API_TOKEN."
    return url, _PORT_RANGE if port == 0 else host_problem(parts.hostname) or length_problem(url)


def length_problem(url: str) -> str | None:
    """Why a URL is too long to be meant (a paste gone wrong), or None."""
    if len(url) > MAX_URL:
        return f"URL longa demais ({len(url)} caracteres; o máximo é {MAX_URL}); confira o valor colado."
    return None


def host_problem(host: str) -> str | None:
    """Why a host name cannot be looked up (a label of more than 63 characters, an empty one), or None."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    try:
        encoded = host.encode("idna")
    except UnicodeError:
        encoded = b""
    if not encoded or len(encoded) > MAX_HOST:
        return (
            "nome de servidor inválido na URL (cada parte entre pontos tem de 1 a 63 caracteres, o nome todo até "
            f"{MAX_HOST}); confira o valor."
        )
    return None


def api_path(value: str) -> tuple[str, str | None]:
    path = value if value.startswith("/") else "/" + value
    if not path.isascii() or not path.isprintable() or " " in path:
        return path, "caminho inválido: sem espaços, acentos nem quebras de linha (ex.: /integracao/censo)."
    return path, None


def header_name(value: str) -> tuple[str, str | None]:
    name = value.strip()
    if not _TOKEN.match(name):
        return name, (
            "nome de cabeçalho inválido: uma palavra de letras, números e hífens, sem espaços nem acentos "
            "(ex.: Authorization, x-api-key)."
        )
    return name, None


def auth_scheme(value: str) -> tuple[str, str | None]:
    scheme = value.strip()
    if scheme and not _TOKEN.match(scheme):
        return scheme, (
            "esquema inválido: uma palavra sem espaços nem acentos (ex.: Bearer, Token), ou vazio para enviar só "
            "o token."
        )
    return scheme, None


HTTP_CHECKS: dict[str, Callable[[str], tuple[str, str | None]]] = {
    "url": api_url,
    "path": api_path,
    "auth_header": header_name,
    "auth_scheme": auth_scheme,
}
