"""Oracle's refusals, each with its cause and remedy: matched by the driver's codes before the generic rules.

python-oracledb wraps what goes wrong while connecting in `DPY-6005: cannot connect to database`, and the generic
rules would read that as an unreachable server. The inner codes tell what happened, and most of them mean the
listener answered: the network is not to blame, and saying so sends the technician to the wrong team.

    DPY-3010                          Oracle before 12.1 (11.2): thin mode cannot speak to it
    DPY-3001, ORA-12660               Native Network Encryption required (or refused by the client's sqlnet.ora)
    DPY-3015                          the account has only the old 10G password verifier
    DPY-4027, DPY-4026, DPY-4000      a TNS alias without (or not in) tnsnames.ora
    ORA-28001, ORA-28000              password expired, account locked
    ORA-01045                         no CREATE SESSION
    ORA-20000..ORA-20999, ORA-04088   a logon trigger refused the session
    ORA-12516, ORA-12519, ORA-12520   the listener has no free handler now (passes)
    ORA-01033, ORA-01034, ORA-01089,  the database is starting, stopping or down
    ORA-01090, ORA-12528
    ORA-00018, ORA-00020              sessions or processes exhausted
    DPI-1047, DPI-1072                the Oracle Client libraries cannot be loaded
    ORA-12737                         Instant Client Basic Light and the database's character set
    ORA-28040                         no authentication protocol in common (client and server versions)
    DPY-6005 + DPY-4011               the server closed the connection in the handshake (ALLOW_WEAK_CRYPTO_CLIENTS)
    DPY-6000                          another listener refusal
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from sqlalchemy.engine import URL

from connector.errors import SourceError
from connector.settings.oracle import MOUNT_HINT

_CODE = re.compile(r"\b(DPY|DPI|ORA)-(\d{1,5})\b")
CLIENT_GUIDE = "docs/oracle.md"
USE_CLIENT = (
    "use o Oracle Client (HOTELEITOS_ORACLE_CLIENT=auto ou thick, com o Instant Client 19.12 ou mais novo: a imagem "
    f"com o Oracle Client ou a pasta montada; {CLIENT_GUIDE})"
)


def codes(text: str) -> list[str]:
    """Every DPY-/DPI-/ORA- code in a driver message, in order, once each (ORA-1033 as ORA-01033)."""
    found = []
    for prefix, number in _CODE.findall(text):
        code = f"{prefix}-{int(number):05d}" if prefix == "ORA" else f"{prefix}-{int(number):04d}"
        if code not in found:
            found.append(code)
    return found


def chain(error: BaseException) -> Iterator[BaseException]:
    """The error and those it was raised from or during (a thick-mode failure after a thin refusal)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _trigger(found: list[str]) -> bool:
    return "ORA-04088" in found or any(c.startswith("ORA-20") and len(c) == 9 for c in found)


# (kind, does it match these codes and this text); the first match wins.
_MATCHERS: list[tuple[str, Callable[[list[str], str], bool]]] = [
    ("client_missing", lambda c, _t: "DPI-1047" in c or "DPI-1072" in c),
    ("server_version", lambda c, _t: "DPY-3010" in c),
    ("encryption_required", lambda c, t: "ORA-12660" in c or ("DPY-3001" in c and "Encryption" in t)),
    ("thick_feature", lambda c, _t: "DPY-3001" in c),
    ("password_verifier", lambda c, _t: "DPY-3015" in c),
    ("tns_config", lambda c, _t: bool({"DPY-4027", "DPY-4026", "DPY-4000"} & set(c))),
    ("password_expired", lambda c, _t: "ORA-28001" in c),
    ("account_locked", lambda c, _t: "ORA-28000" in c),
    ("no_create_session", lambda c, _t: "ORA-01045" in c),
    ("logon_trigger", lambda c, _t: _trigger(c)),
    ("listener_busy", lambda c, _t: bool({"ORA-12516", "ORA-12519", "ORA-12520"} & set(c))),
    ("database_down", lambda c, _t: bool({"ORA-01033", "ORA-01034", "ORA-01089", "ORA-01090", "ORA-12528"} & set(c))),
    ("database_full", lambda c, _t: "ORA-00018" in c or "ORA-00020" in c),
    ("client_charset", lambda c, _t: "ORA-12737" in c),
    ("auth_protocol", lambda c, _t: "ORA-28040" in c),
    ("handshake_reset", lambda c, _t: "DPY-6005" in c and "DPY-4011" in c),
    ("listener_refused", lambda c, _t: "DPY-6000" in c),
]
# Refusals no retry can heal: reads pause like after a wrong password (see `connector.source.login_backoff`).
OPERATOR_ONLY = frozenset(
    {
        "server_version",
        "encryption_required",
        "thick_feature",
        "password_verifier",
        "password_expired",
        "account_locked",
        "no_create_session",
        "client_missing",
        "client_charset",
        "auth_protocol",
    }
)
# What makes `auto` try the Oracle Client: thin mode refused by this server.
THIN_REFUSALS = frozenset({"server_version", "encryption_required", "thick_feature", "password_verifier"})


def kind_of(text: str) -> str | None:
    """The Oracle kind of a driver message, or None (the generic rules decide)."""
    found = codes(text)
    return next((kind for kind, matches in _MATCHERS if matches(found, text)), None)


def explain(error: BaseException, url: URL, detail: str) -> SourceError | None:
    """The operator message for an Oracle driver error, or None when no Oracle rule knows it."""
    errors = list(chain(error))
    text = str(errors[0])
    kind = kind_of(text)
    if kind is None:
        return None
    shown = ", ".join(codes(text))
    user = url.username or "usuário da integração"
    where = f"{url.host or url.database}" + (f", porta {url.port}" if url.port else "")
    message = _MESSAGES[kind](where, user, text)
    if kind == "client_missing" and len(errors) > 1:  # `auto` tried the client because thin mode was refused
        refused = kind_of(str(errors[1]))
        if refused is not None:
            message = (
                f"{WHY_CLIENT.get(refused, 'o modo thin foi recusado')}; o conector tentou o Oracle Client, e {message}"
            )
            shown = ", ".join(dict.fromkeys([*codes(str(errors[1])), *codes(text)]))
    return SourceError(f"{message} (código do driver: {shown}).", kind=kind, detail=detail)


WHY_CLIENT = {
    "server_version": "o servidor Oracle é anterior à 12.1 (11.2) e não aceita o modo thin",
    "encryption_required": "o servidor Oracle exige criptografia nativa (NNE), que o modo thin não tem",
    "thick_feature": "a conexão pede um recurso que só o Oracle Client tem",
    "password_verifier": "a senha da conta só tem o verificador antigo (10G), que o modo thin não aceita",
    "handshake_reset": "o servidor Oracle fechou a conexão do modo thin no início do protocolo (criptografia exigida)",
}


def _dlerror(text: str) -> str:
    """What the system said when loading the library (file names only)."""
    found = re.search(r'DPI-10(?:47|72): [^"]*"([^"]+)"', text)
    return f" ({found.group(1)})" if found else ""


def _feature(text: str) -> str:
    found = re.search(r"DPY-3001: (.+?) is only supported", text)
    return found.group(1) if found else "um recurso"


_MESSAGES: dict[str, Callable[[str, str, str], str]] = {
    "client_missing": lambda where, _u, text: (
        f"a biblioteca do Oracle Client não pôde ser carregada{_dlerror(text)}. Para usá-lo, {MOUNT_HINT}; "
        "confira também a libaio (libaio.so.1) e, fora da imagem, LD_LIBRARY_PATH com a pasta do Instant Client"
    ),
    "server_version": lambda where, _u, _t: (
        f"o servidor Oracle ({where}) respondeu, mas é anterior à versão 12.1 (um Oracle 11.2), e o driver em modo "
        f"thin só fala com 12.1 ou mais novo; {USE_CLIENT}"
    ),
    "encryption_required": lambda where, _u, text: (
        f"o servidor Oracle ({where}) respondeu e exige criptografia nativa da rede Oracle (Native Network "
        "Encryption: SQLNET.ENCRYPTION_SERVER ou SQLNET.CRYPTO_CHECKSUM_SERVER = REQUIRED), que o modo thin não tem; "
        f"{USE_CLIENT}, ou peça ao DBA um endereço TLS (TCPS) para o conector"
        if "ORA-12660" not in text or "DPY-" in text  # thin mode (DPY-3001, or the listener's ORA-12660)
        else f"o servidor Oracle ({where}) e o sqlnet.ora do conector não combinam a criptografia nativa: um exige e "
        "o outro recusa; no sqlnet.ora de HOTELEITOS_ORACLE_CONFIG_DIR, deixe SQLNET.ENCRYPTION_CLIENT e "
        "SQLNET.CRYPTO_CHECKSUM_CLIENT como ACCEPTED ou REQUESTED (ou remova-os)"
    ),
    "thick_feature": lambda where, _u, text: (
        f"a conexão com o servidor Oracle ({where}) pede {_feature(text)}, que só o Oracle Client tem; {USE_CLIENT}"
    ),
    "password_verifier": lambda where, user, _t: (
        f"o servidor Oracle ({where}) respondeu, mas a senha de '{user}' só tem o verificador antigo (10G), que o "
        f"modo thin não aceita. Peça ao DBA para redefinir a senha (ALTER USER {user} IDENTIFIED BY ...; com "
        "SQLNET.ALLOWED_LOGON_VERSION_SERVER 11 ou mais no servidor, o Oracle grava os verificadores novos), ou "
        f"{USE_CLIENT}"
    ),
    "tns_config": lambda where, _u, text: (
        f"a URL do banco usa o nome '{where}' do tnsnames.ora, "
        + (
            "e nenhuma pasta de configuração Oracle foi informada; monte a pasta com o tnsnames.ora e informe-a em "
            "HOTELEITOS_ORACLE_CONFIG_DIR (ou TNS_ADMIN)"
            if "DPY-4027" in text
            else "que não está no tnsnames.ora da pasta de configuração (HOTELEITOS_ORACLE_CONFIG_DIR ou TNS_ADMIN); "
            "confira o nome e o arquivo"
        )
        + ", ou escreva servidor:porta e service_name na URL"
    ),
    "password_expired": lambda where, user, _t: (
        f"a senha de '{user}' expirou no Oracle ({where}). O DBA redefine a senha (ALTER USER {user} IDENTIFIED BY "
        "...) e põe a conta num perfil sem expiração (PASSWORD_LIFE_TIME UNLIMITED: docs/mv.md, docs/tasy.md); "
        "depois atualize DB_PASS ou a URL do banco"
    ),
    "account_locked": lambda where, user, _t: (
        f"a conta '{user}' está bloqueada no Oracle ({where}), em geral por senhas erradas seguidas ou por senha "
        f"expirada. Confira a senha configurada; depois o DBA desbloqueia (ALTER USER {user} ACCOUNT UNLOCK) e põe "
        "a conta no perfil dedicado (docs/mv.md, docs/tasy.md)"
    ),
    "no_create_session": lambda where, user, _t: (
        f"o Oracle ({where}) aceitou a senha de '{user}', mas a conta não pode abrir sessão; peça ao DBA: "
        f"GRANT CREATE SESSION TO {user};"
    ),
    "logon_trigger": lambda where, user, _t: (
        f"um gatilho de logon do banco Oracle ({where}) recusou a sessão de '{user}' (uma regra do hospital, que "
        "costuma liberar só alguns programas, máquinas ou horários); peça ao DBA para liberar o usuário e o programa "
        "do conector (a sessão mostra hoteleitos-connector/<versão> em V$SESSION.PROGRAM e hoteleitos-connector "
        "<versão> em MODULE)"
    ),
    "listener_busy": lambda where, _u, _t: (
        f"o listener do Oracle ({where}) respondeu, mas está sem processos livres para novas conexões agora (pico "
        "de conexões, ou o limite PROCESSES/SESSIONS do banco); costuma passar, e o conector tenta de novo no "
        "próximo ciclo. Se persistir, o DBA confere PROCESSES e SESSIONS"
    ),
    "database_down": lambda where, _u, text: (
        f"o listener do Oracle ({where}) respondeu, mas o banco "
        + ("não está no ar" if "ORA-01034" in text else "está iniciando ou desligando")
        + "; o conector tenta de novo a cada ciclo. Confirme com o DBA quando o banco estiver aberto"
    ),
    "database_full": lambda where, _u, text: (
        f"o Oracle ({where}) atingiu o máximo de "
        + ("processos (PROCESSES)" if "ORA-00020" in text else "sessões (SESSIONS)")
        + "; o conector tenta de novo no próximo ciclo. Se persistir, o DBA aumenta o limite ou encerra sessões "
        "esquecidas"
    ),
    "client_charset": lambda where, _u, _t: (
        f"o Instant Client Basic Light não conhece o conjunto de caracteres do banco Oracle ({where}); use o pacote "
        "Basic (completo) do Instant Client 19 no lugar do Basic Light (docs/oracle.md)"
    ),
    "auth_protocol": lambda where, _u, _t: (
        f"o servidor Oracle ({where}) e o Oracle Client não têm protocolo de autenticação em comum: um Instant "
        "Client 21 ou 23 não entra num Oracle 11.2 (use o 19), e um servidor com SQLNET.ALLOWED_LOGON_VERSION_SERVER "
        "alto recusa contas antigas (o DBA ajusta o sqlnet.ora do servidor ou redefine a senha)"
    ),
    "handshake_reset": lambda where, _u, _t: (
        f"a porta do Oracle ({where}) aceitou a conexão, mas o servidor a fechou no início do protocolo, antes de "
        "pedir a senha: é o que faz um servidor que recusa clientes sem criptografia nativa "
        f"(SQLNET.ALLOW_WEAK_CRYPTO_CLIENTS=FALSE); {USE_CLIENT}. Se o DBA disser que o servidor não exige isso, "
        "confira se a porta só aceita TLS (TCPS: a URL precisa dizer protocol=tcps) ou se um firewall que inspeciona "
        "o protocolo Oracle (SQL*Net) corta a conexão"
    ),
    "listener_refused": lambda where, _u, _t: (
        f"o listener do Oracle ({where}) respondeu e recusou a conexão; veja o código abaixo com o DBA "
        "(lsnrctl status e o log do listener mostram o motivo)"
    ),
}
