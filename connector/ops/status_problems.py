"""What went wrong in a cycle, in plain words with what to do, for the status page.

The page answers anyone who reaches the health port, like `/readyz`: the texts here are written from kinds and
HTTP statuses, never from a driver's or the API's own message (which can name the database's user, or quote a
patient the API refused). The logs keep the full story; each text says which event to look for.
"""

from __future__ import annotations

from dataclasses import dataclass

from connector.ops.cycle_report import CycleReport

RELEASE = "hoteleitos-connector release"

_READS: dict[str, tuple[str, str]] = {
    "auth": (
        "O banco do sistema hospitalar recusou o usuário ou a senha da integração.",
        "Confira DB_USER/DB_PASS (ou a URL do banco) e se a conta não está bloqueada ou com a senha expirada. "
        "As tentativas se espaçam sozinhas para não bloquear a conta.",
    ),
    "auth_paused": (
        "Leitura do censo em pausa: o banco recusou o usuário ou a senha da integração.",
        "Corrija DB_USER/DB_PASS (ou a URL do banco) e reinicie o conector, ou aguarde a próxima tentativa.",
    ),
    "unreachable": (
        "O conector não consegue se conectar ao banco do sistema hospitalar.",
        "Confira se o servidor do banco está no ar, DB_HOST/DB_PORT e se o firewall libera o acesso deste servidor.",
    ),
    "timeout": (
        "A leitura do censo passou do tempo limite e foi cancelada.",
        "Confira a carga do banco e a rede até ele; se o banco for lento de fato, aumente "
        "HOTELEITOS_SOURCE_QUERY_TIMEOUT.",
    ),
    "connection_lost": (
        "A conexão com o banco caiu durante a leitura.",
        "Nada a fazer se for passageiro: o próximo ciclo lê de novo. Se repetir, confira a rede até o banco.",
    ),
    "unknown_database": (
        "O banco configurado não existe no servidor.",
        "Confira DB_NAME (ou a URL do banco).",
    ),
    "unknown_service": (
        "O servidor Oracle não conhece o serviço nem o SID configurado.",
        "Confira DB_NAME com o DBA (lsnrctl status mostra os serviços).",
    ),
    "permission": (
        "O usuário da integração não tem permissão de leitura numa tabela do censo.",
        "Rode `hoteleitos-connector check`: ele mostra o GRANT exato que falta.",
    ),
    "missing_table": (
        "Uma tabela do censo não existe ou não é visível para o usuário da integração.",
        "Rode `hoteleitos-connector check`: ele mostra a tabela e o GRANT que falta.",
    ),
    "too_large": (
        "A consulta do censo devolveu mais linhas que o teto (HOTELEITOS_SOURCE_MAX_ROWS); o censo foi descartado.",
        "Confira a consulta do censo (um filtro perdido ou um JOIN que multiplica linhas); se o hospital tem mesmo "
        "tantos internados, aumente HOTELEITOS_SOURCE_MAX_ROWS.",
    ),
    "missing_column": (
        "A consulta do censo usa uma coluna que não existe neste banco.",
        "Confira a versão do sistema hospitalar ou o arquivo de consulta (HOTELEITOS_SOURCE_QUERY_FILE).",
    ),
}
_READ_OTHER = (
    "O censo não pôde ser lido do banco do sistema hospitalar.",
    "Rode `hoteleitos-connector check` e veja o evento census_failed nos logs.",
)


@dataclass
class Problem:
    """One kind of trouble: when it was first and last seen, how many cycles had it."""

    title: str
    advice: str
    first: float
    last: float
    count: int = 1
    command: str | None = None  # the exact command that resolves it, when there is one


def _held_why(report: CycleReport) -> str:
    if report.decision is not None and report.decision.reason == "growth":
        return "por crescer muito além do último censo aceito"
    return "pela proteção contra altas em massa"


def problems_of(report: CycleReport, now: float, refused_token: int | None) -> list[Problem]:
    """The troubles of one cycle, in the order they happened. `refused_token` is the status (401, 403) of the
    API's last refusal of the token, while delivery is paused after it."""
    found: list[tuple[str, ...]] = []
    if report.read_error is not None and report.read_error.kind != "stopped":
        found.append(_READS.get(report.read_error.kind, _READ_OTHER))
    if report.store_error is not None:
        found.append(
            (
                "O censo não pôde ser guardado na fila em disco (pasta de estado).",
                "Libere espaço ou confira as permissões do volume de HOTELEITOS_STATE_DIR; os censos já guardados "
                "seguem sendo enviados.",
            )
        )
    if report.held:
        found.append(
            (
                f"Censo de {report.patients} paciente(s) retido {_held_why(report)}"
                + (f" (o último aceito tinha {report.baseline})." if report.baseline is not None else "."),
                "Confira no sistema hospitalar se o número de internados está certo. Se estiver, libere o censo "
                "(só o mais novo dos retidos é enviado); se não, corrija a origem: o próximo censo normal encerra "
                "a retenção.",
                RELEASE,
            )
        )
    found += _delivery(report, refused_token)
    if report.crashes:
        found.append(("Falha inesperada no ciclo.", "Veja o evento cycle_crashed nos logs e avise o suporte."))
    for recovery in report.recoveries:
        what = "estava danificada" if recovery.kind == "corrupt" else "sumiu com o conector rodando"
        found.append(
            (
                f"A fila de envio {what} e recomeçou com {recovery.salvaged} censo(s) recuperado(s).",
                "Confira o disco e o volume montado em HOTELEITOS_STATE_DIR (evento outbox_recovered nos logs).",
            )
        )
    return [Problem(item[0], item[1], now, now, command=item[2] if len(item) > 2 else None) for item in found]


def _delivery(report: CycleReport, refused_token: int | None) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    round_ = report.round
    for failure in round_.failures:
        if failure.rejected:
            found.append(
                (
                    f"A API recusou um censo (HTTP {failure.status}); ele foi posto de lado e os próximos seguem.",
                    "Veja `hoteleitos-connector outbox show <id>` e fale com o suporte HOTELEITOS.",
                )
            )
        elif failure.status in (401, 403):
            pass  # told once below, as the pause it starts
        elif failure.status is None:
            found.append(
                (
                    "Sem resposta da API HOTELEITOS (rede, proxy ou tempo esgotado).",
                    "Os censos ficam na fila e vão em ordem quando a API responder. Se durar, confira a rede, o "
                    "proxy e o firewall até HOTELEITOS_API_URL (evento push_failed nos logs).",
                )
            )
        else:
            found.append(
                (
                    f"A API HOTELEITOS respondeu com erro (HTTP {failure.status}).",
                    "Os censos ficam na fila e vão em ordem quando a API voltar; se durar, fale com o suporte "
                    "HOTELEITOS.",
                )
            )
    if refused_token is not None and (round_.paused_for is not None or round_.failures):
        found.append(
            (
                f"A API HOTELEITOS recusou o token da integração (HTTP {refused_token}): nenhum censo é aceito.",
                "Confira HOTELEITOS_API_TOKEN (ou API_TOKEN) com o HOTELEITOS e reinicie o conector. Os censos "
                "ficam guardados na fila e vão em ordem depois.",
            )
        )
    elif round_.paused_for is not None:
        found.append(
            (
                "Envio pausado: a API respondeu de um jeito que repetir agora não resolve.",
                "Veja o evento push_failed nos logs (redirecionamento, certificado ou token).",
            )
        )
    if round_.busy:
        found.append(
            (
                "Outro processo do conector está enviando desta mesma pasta de estado.",
                "Nada a fazer se for um `release` em andamento; os censos vão no próximo ciclo.",
            )
        )
    return found
