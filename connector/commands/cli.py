"""The `hoteleitos-connector` command: wires settings, agent, scheduler and health together.

Heavy modules (drivers, SQLAlchemy, httpx) are imported inside the commands, so `--help` is instant.
Exit statuses: 0 done, 1 something was not delivered (it stays in the outbox), 2 configuration error.
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from connector import __version__

if TYPE_CHECKING:
    from connector.settings import Settings
    from connector.settings.loader import Layers

EXIT_OK, EXIT_NOT_DELIVERED, EXIT_CONFIG = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hoteleitos-connector",
        description="Lê o censo de internados do sistema hospitalar e o envia à API HOTELEITOS.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--config", help="arquivo YAML de configuração (padrão: HOTELEITOS_CONFIG ou ./config.yaml)")
    parser.add_argument("--env-file", help="arquivo .env a ler (padrão: ./.env, se existir)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="comando")
    run = commands.add_parser("run", help="roda o agente: ciclos na agenda, servidor de saúde, até SIGTERM")
    run.add_argument("--once", action="store_true", help="um ciclo só; sai com 0 (entregue), 1 (pendente) ou 2")
    commands.add_parser("check", help="testa o banco e a API e mostra um veredito por item")
    preview = commands.add_parser("preview", help="mostra o censo que seria enviado, sem enviar")
    preview.add_argument("--json", action="store_true", help="saída em JSON")
    preview.add_argument("--show-names", action="store_true", help="mostra nomes, prontuários e nascimentos")
    preview.add_argument("--limit", type=int, default=50, help="linhas mostradas na tabela (padrão 50)")
    demo = commands.add_parser("demo", help="hospital sintético local + receptor local: o conector em ação")
    demo.add_argument("--cycles", type=int, default=5, help="ciclos antes de parar (padrão 5)")
    demo.add_argument("--interval", type=float, default=2.0, help="segundos entre ciclos (padrão 2)")
    demo.add_argument("--forever", action="store_true", help="roda até Ctrl+C")
    demo.add_argument("--patients", type=int, default=300, help="internados no início (padrão 300)")
    demo.add_argument(
        "--vendor", default="mv", help="fornecedor cujas tabelas o hospital sintético usa (padrão mv; ex.: tasy)"
    )
    commands.add_parser("release", help="libera os censos retidos pela proteção contra altas em massa e os envia")
    outbox = commands.add_parser("outbox", help="lista censos pendentes, retidos e rejeitados")
    outbox.add_argument("action", nargs="?", choices=["list", "show", "retry", "discard"], default="list")
    outbox.add_argument("snapshot_id", nargs="?", help="id do censo (para show/retry/discard)")
    commands.add_parser("config", help="mostra a configuração efetiva (segredos mascarados) e a origem de cada valor")
    sql = commands.add_parser("sql", help="mostra cada instrução SQL que o conector envia ao banco, como será enviada")
    sql.add_argument("--json", action="store_true", help="saída em JSON")
    return parser


def entry() -> None:
    """The process (the console script and `python -m connector`): the collector stays off during start-up and
    the heap is frozen before exit (see `connector.ops.memory`)."""
    from connector.ops import memory

    gc.disable()
    status = main()
    memory.finish()
    sys.exit(status)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from connector.ops import memory

    if args.command == "demo":
        from connector.commands.demo.runner import run_demo

        memory.settle()

        return run_demo(
            cycles=None if args.forever else args.cycles,
            interval=args.interval,
            patients=args.patients,
            vendor=args.vendor,
        )
    from connector.commands.configuration import load_settings
    from connector.errors import ConfigError
    from connector.ops.own_files import private_umask, tighten
    from connector.ops.unexpected import unexpected

    private_umask()  # before anything is written: the outbox and the logs hold patients' data
    try:
        given, layers = load_settings(args.config, args.env_file)
        settings = in_own_folders(given)
        from connector.ops.logs import configure
        from connector.settings.secret_files import secrets_of

        if args.command in ("run", "release", "outbox"):  # the commands that write the state folder
            tighten(settings.state_dir)
            tighten(settings.log.dir)
        # The agent's events are its output (stdout, as containers expect); the other commands answer on stdout.
        stream = sys.stdout if args.command == "run" else sys.stderr
        configure(settings.log, secrets=secrets_of(settings), tz=settings.tz, stream=stream)
        if args.command in ("run", "release"):
            _warn_exposure(settings)
            _say_subfolders(given, settings)
        if args.command != "config":  # `config` lists them with the values
            _warn_overrides(layers)
        memory.settle()
        return int(_COMMANDS[args.command](settings, layers, args))
    except ConfigError as error:
        print("Configuração inválida; corrija e rode de novo:", file=sys.stderr)
        for line in error.problems:
            print(f"  - {line}", file=sys.stderr)
        return EXIT_CONFIG
    except Exception as error:  # noqa: BLE001 - a defect: its type and place, never a traceback
        print(f"Erro: {unexpected(error)}", file=sys.stderr)
        return EXIT_NOT_DELIVERED


def in_own_folders(settings: Settings) -> Settings:
    """The settings with the state and log folders the connector's files go in (a sub-folder of a shared folder:
    see `connector.ops.own_files`)."""
    from connector.ops.own_files import own_folder

    state, logs = own_folder(settings.state_dir), own_folder(settings.log.dir)
    if state == settings.state_dir and logs == settings.log.dir:
        return settings
    return settings.model_copy(update={"state_dir": state, "log": settings.log.model_copy(update={"dir": logs})})


def _say_subfolders(given: Settings, settings: Settings) -> None:
    from connector.ops.logs import get_logger

    for name, was, now in (("HOTELEITOS_STATE_DIR", given.state_dir, settings.state_dir),
                           ("HOTELEITOS_LOG_DIR", given.log.dir, settings.log.dir)):  # fmt: skip
        if was != now:
            get_logger("hoteleitos").info(
                "own_subfolder",
                setting=name,
                folder=str(now),
                message=f"{was} guarda arquivos de outros programas: os do conector ficam em {now}.",
            )


def _warn_exposure(settings: Settings) -> None:
    from connector.ops.logs import get_logger
    from connector.settings.exposure import api_warnings

    for warning in api_warnings(settings.api):
        get_logger("hoteleitos").warning("api_transport_exposed", message=warning)


def _warn_overrides(layers: Layers) -> None:
    from connector.ops.logs import get_logger

    for warning in layers.warnings:
        get_logger("hoteleitos").warning("setting_overridden", message=warning)


def _run(settings: Settings, layers: Layers, args: argparse.Namespace) -> int:
    from connector.delivery.state_lock import StateLock

    lock = StateLock(settings.state_dir)
    lock.acquire()  # one agent per state folder
    try:
        return _run_locked(settings, layers, args)
    finally:
        lock.release()


def _run_locked(settings: Settings, layers: Layers, args: argparse.Namespace) -> int:
    if not args.once:
        from connector.commands.runner import run_forever

        return run_forever(settings, layers)
    from connector.commands.summaries import describe_cycle
    from connector.cycle import Agent

    agent = Agent(settings)
    agent.courier.resumes = False  # no next try to announce: the process ends after this cycle
    try:
        report = agent.cycle(drain_all=True)
    finally:
        agent.close()
    print(describe_cycle(report))
    return EXIT_OK if report.ok else EXIT_NOT_DELIVERED


def _check(settings: Settings, _layers: Layers, _args: argparse.Namespace) -> int:
    from connector.commands.check import run_checks

    return run_checks(settings)


def _preview(settings: Settings, _layers: Layers, args: argparse.Namespace) -> int:
    from connector.commands.preview import preview

    return preview(settings, as_json=args.json, show_names=args.show_names, limit=args.limit)


def _release(settings: Settings, _layers: Layers, _args: argparse.Namespace) -> int:
    from connector.commands.release import release_command

    return _while_the_outbox_is_free(lambda: release_command(settings))


def _outbox(settings: Settings, _layers: Layers, args: argparse.Namespace) -> int:
    from connector.commands.outbox import outbox_command

    return _while_the_outbox_is_free(lambda: outbox_command(settings, args.action, args.snapshot_id))


def _while_the_outbox_is_free(command: Callable[[], int]) -> int:
    """Run a command that writes the outbox; a write held by another process for SQLite's whole busy timeout is
    said as such, rather than as a defect's line."""
    import sqlite3

    try:
        return command()
    except sqlite3.OperationalError as error:
        if "locked" not in str(error):
            raise
        print(
            "A fila está ocupada por outro processo do conector (um ciclo do agente gravando); nada foi mudado. "
            "Rode o comando de novo em instantes."
        )
        return EXIT_NOT_DELIVERED


def _config(settings: Settings, layers: Layers, _args: argparse.Namespace) -> int:
    from connector.commands.summaries import describe_config

    print(describe_config(settings, layers))
    return EXIT_OK


def _sql(settings: Settings, _layers: Layers, args: argparse.Namespace) -> int:
    from connector.commands.sql import sql_command

    return sql_command(settings, as_json=args.json)


_COMMANDS: dict[str, Any] = {
    "run": _run,
    "check": _check,
    "preview": _preview,
    "release": _release,
    "outbox": _outbox,
    "config": _config,
    "sql": _sql,
}
