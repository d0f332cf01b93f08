"""The cycle's logs and metrics, in one place: each function turns what a step did into events and counts.

Each step is logged the moment it ends (the read, the store, each delivery, each retry), so a technician following
the log sees an outage as it goes and every event carries its own time; `cycle_finished` sums the cycle up.
Events are snake_case facts with counts, codes and timings; never a patient's data, never a secret.
"""

from __future__ import annotations

from pathlib import Path

import structlog

from connector import __version__
from connector.delivery.courier import Delivered, Failure, Watcher
from connector.delivery.guard import Decision, held_message
from connector.delivery.outbox import Entry
from connector.delivery.outbox_file import Recovery
from connector.delivery.snapshot import Snapshot
from connector.errors import SinkError
from connector.ops import metrics
from connector.ops.cycle_report import CycleReport, Observation, ProbeOutcome
from connector.settings import Settings
from connector.source.oracle_connect import OracleStatus

log = structlog.get_logger("hoteleitos.cycle")
_SAID: dict[str, str | None] = {"password": None}  # the password warning last logged (once, not every cycle)


def started(settings: Settings) -> None:
    metrics.BUILD.info({"version": __version__, "vendor": settings.source.vendor})
    metrics.start_at_zero()


def secrets_reread(changed: tuple[str, ...]) -> None:
    """A secret file held a new value, now in use (the value itself is never logged)."""
    log.warning("secrets_reread", settings=list(changed), message=f"novo valor em uso: {', '.join(changed)}.")


def secrets_unusable(problems: list[str]) -> None:
    """A secret file changed to something that cannot be used: the value in use stays."""
    for problem in problems:
        log.error("secret_file_unusable", message=f"{problem} O valor anterior segue em uso.")


def outbox_read_only(trouble: str, folder: Path) -> None:
    """The outbox was opened read-only at start: the agent runs, and says why nothing is kept."""
    log.error(
        "outbox_read_only",
        folder=str(folder),
        message=(
            f"{trouble} em {folder}: a fila de envio foi aberta só para leitura. Os censos já guardados são enviados "
            "e o censo de cada ciclo vai direto da memória; nada novo fica guardado até o disco aceitar gravações "
            "(libere espaço ou confira o volume e as permissões)."
        ),
    )


def count_attempt(_snapshot: Snapshot, status: int | None, _error: SinkError | None, seconds: float) -> None:
    """One push attempt (the sink calls this for every attempt, retries included)."""
    metrics.PUSHES.labels(status=str(status) if status is not None else "error").inc()
    metrics.PUSH_SECONDS.observe(seconds)


def crashed(error_type: str, where: str) -> None:
    log.error("cycle_crashed", error_type=error_type, where=where,
              message="falha inesperada no ciclo; os censos já guardados continuam na fila.")  # fmt: skip


def clock_stepped(seconds: float, moved: int) -> None:
    """The wall clock was stepped since the last cycle: the outbox's capture times moved with it."""
    log.info("clock_step_followed", seconds=round(seconds, 1), snapshots=moved)


def released(entry: Entry | None, dropped: int) -> None:
    """`release` sent the newest held census (and dropped the older ones)."""
    if entry is None:
        return
    if dropped:
        metrics.DROPPED.labels(reason="guard_released_older").inc(dropped)
    log.warning("guard_released", snapshot_id=entry.id, patients=entry.count, dropped=dropped, reason="operator")


def push_retrying(snapshot: Snapshot, attempt: int, error: SinkError, delay: float) -> None:
    """A push attempt failed and the next one comes in `delay` seconds (the sink calls this before it waits)."""
    log.warning("push_retry", snapshot_id=snapshot.id, attempt=attempt, status=error.status, detail=error.detail,
                retry_in_s=round(delay, 1), message=error.message)  # fmt: skip


def read_finished(report: CycleReport) -> None:
    """The read: the census and its warnings, or why it could not be read."""
    _read(report)


def stored(report: CycleReport) -> None:
    """The census stored with the guard's decision (or why it could not be), and what changed against the previous
    accepted census (known once the guard has accepted this one)."""
    _stored(report)
    changes = report.changes
    if changes is not None:
        for kind, count in (("admission", changes.admissions), ("discharge", changes.discharges),
                            ("transfer", changes.transfers)):  # fmt: skip
            metrics.CHANGES.labels(kind=kind).inc(count)
        log.info("census_changes", admissions=changes.admissions, discharges=changes.discharges,
                 transfers=changes.transfers)  # fmt: skip


def cycle_finished(report: CycleReport) -> None:
    """The cycle's summary and counts (its steps were logged as they happened)."""
    recovered(report.recoveries)
    for status, count in report.depth.items():
        metrics.OUTBOX.labels(status=status).set(count)
    result = "ok" if report.ok else ("extract_failed" if report.patients is None else "not_delivered")
    metrics.CYCLES.labels(result=result).inc()
    metrics.CYCLE_SECONDS.observe(report.duration)
    if report.trigger is not None:
        metrics.FULL_READS.labels(trigger=report.trigger).inc()
    log.info(
        "cycle_finished",
        **({"trigger": report.trigger} if report.trigger else {}),
        result=result,
        patients=report.patients,
        delivered=len(report.delivered),
        pending=report.depth.get("pending", 0),
        held=report.depth.get("held", 0),
        dead=report.depth.get("dead", 0),
        duration_ms=round(report.duration * 1000, 1),
    )


def _read(report: CycleReport) -> None:
    error = report.read_error
    if error is not None:
        log.error("census_failed", kind=error.kind, detail=error.detail, message=error.message)
        return
    if report.patients is None or report.issues is None:
        return
    metrics.EXTRACT_SECONDS.observe(report.extract_seconds)
    metrics.ROWS.set(report.rows or 0)
    metrics.PATIENTS.set(report.patients)
    issues = report.issues
    for (kind, name), count in sorted(issues.counts.items()):
        metrics.WARNINGS.labels(kind=kind, field=name).inc(count)
        log.warning(
            "normalisation_warning",
            kind=kind,
            field=name,
            count=count,
            rows=issues.rows.get(kind) if kind.endswith("cod_ocorrencia") else None,
        )
    log.info(
        "census_extracted",
        rows=report.rows,
        patients=report.patients,
        duration_ms=round(report.extract_seconds * 1000, 1),
    )
    oracle_sessions(report.oracle)


def oracle_sessions(status: OracleStatus | None) -> None:
    """The Oracle driver's mode as a metric label; the password's expiry as a metric, and in the log when the
    warning is new (the days left change once a day)."""
    if status is None:
        return
    metrics.ORACLE_CLIENT.info({"mode": status.mode, "client_version": status.client_version or ""})
    metrics.PASSWORD_EXPIRING.set(1 if status.password_warning else 0)
    if status.password_warning and status.password_warning != _SAID["password"]:
        log.warning("password_expiring", message=status.password_warning)
    _SAID["password"] = status.password_warning


def recovered(recoveries: list[Recovery]) -> None:
    """The outbox had to start over: loudly, with what was saved and where the damaged file went."""
    for recovery in recoveries:
        metrics.RECOVERIES.labels(kind=recovery.kind).inc()
        log.error("outbox_recovered", kind=recovery.kind, salvaged=recovery.salvaged, lost=recovery.lost,
                  moved_to=str(recovery.moved_to) if recovery.moved_to else None,
                  message=recovery_message(recovery))  # fmt: skip


def recovery_message(recovery: Recovery) -> str:
    """What happened to the outbox, for the operator."""
    if recovery.kind == "corrupt":
        lost = f"; {recovery.lost} censo(s) danificado(s) não puderam ser lidos" if recovery.lost else ""
        return (
            f"o arquivo da fila de envio estava danificado e foi guardado em {recovery.moved_to}; uma fila nova "
            f"começou com os {recovery.salvaged} censo(s) recuperado(s){lost}. Confira o disco do volume de estado."
        )
    return (
        f"a pasta de estado (ou o arquivo da fila) sumiu com o conector rodando; foi recriada com os "
        f"{recovery.salvaged} censo(s) que estavam na fila. Confira o volume montado em HOTELEITOS_STATE_DIR."
    )


def _stored(report: CycleReport) -> None:
    decision = report.decision
    if report.store_error is not None:
        log.error("store_failed", snapshot_id=report.snapshot_id, unstored_sent=report.unstored,
                  message=report.store_error)  # fmt: skip
        return
    if decision is None:
        return
    _guard(report, decision)
    log.info(
        "snapshot_stored",
        snapshot_id=report.snapshot_id,
        patients=report.patients,
        status=decision.status,
        bytes=report.snapshot_bytes,
    )
    for entry, reason in report.dropped:
        metrics.DROPPED.labels(reason=reason).inc()
        log.warning(
            "outbox_dropped", snapshot_id=entry.id, captured_at=entry.captured_at, status=entry.status, reason=reason
        )


def _guard(report: CycleReport, decision: Decision) -> None:
    """The guard's decision: held, confirmed, or a false alarm that drops the held ones."""
    if decision.discard:
        metrics.DROPPED.labels(reason=f"guard_{decision.why_discarded}").inc(len(decision.discard))
    if decision.why_discarded == "false_alarm":
        log.warning("guard_false_alarm", discarded=len(decision.discard), patients=report.patients)
    elif decision.why_discarded == "superseded":
        log.warning("guard_restarted", discarded=len(decision.discard), patients=report.patients)
    if decision.confirmed:
        log.warning("guard_confirmed", patients=report.patients, confirmations=decision.confirmations,
                    dropped_older=len(decision.discard))  # fmt: skip
    elif decision.status == "held":
        metrics.HELD.inc()
        log.error(
            "census_held",
            reason=decision.reason,
            patients=report.patients,
            baseline=report.baseline,
            lost=decision.lost,
            confirmations=decision.confirmations,
            message="censo retido: " + held_message(decision.reason, report.patients or 0, report.baseline),
        )


class DeliveryLog(Watcher):
    """The courier's watcher: each snapshot delivered, refused or not yet taken, logged when it happens."""

    def delivered(self, delivered: Delivered) -> None:
        metrics.LAST_SUCCESS.set(delivered.at)
        log.info("snapshot_delivered", snapshot_id=delivered.snapshot_id, patients=delivered.count,
                 status=delivered.status, attempts=delivered.attempts,
                 latency_ms=round(delivered.latency * 1000, 1))  # fmt: skip

    def quarantined(self, snapshot_id: str) -> None:
        metrics.QUARANTINED.inc()
        log.error("snapshot_quarantined", snapshot_id=snapshot_id,
                  message="o censo guardado está danificado no disco e não pode ser lido: foi posto em quarentena "
                  "(não é enviado); os próximos seguem.")  # fmt: skip

    def unrecorded(self, snapshot_id: str) -> None:
        log.warning(
            "delivery_not_recorded",
            snapshot_id=snapshot_id,
            message="censo entregue, mas o disco não aceitou anotar a entrega; não será reenviado.",
        )

    def failed(self, failure: Failure) -> None:
        if failure.rejected:
            metrics.DEAD.inc()
            log.error("snapshot_rejected", snapshot_id=failure.snapshot_id, status=failure.status,
                      message=failure.message)  # fmt: skip
        else:
            log.error("push_failed", snapshot_id=failure.snapshot_id, status=failure.status, detail=failure.detail,
                      message=failure.message)  # fmt: skip

    def paused(self, seconds: float, message: str | None) -> None:
        log.warning("push_paused", resume_in_s=round(seconds), message=message)


DELIVERY = DeliveryLog()


def probed(outcome: ProbeOutcome, seen: Observation) -> None:
    """One run of the change probe. A failure is logged once when it starts and once when it ends (not every
    probe interval); meanwhile full reads follow the schedule."""
    error = outcome.error
    if error is not None:
        if error.kind == "stopped":
            return
        metrics.PROBES.labels(result="failed").inc()
        if seen.first_failure:
            message = (
                f"a sonda de mudança falhou ({error.message.rstrip('.')}); até ela voltar, o censo inteiro é lido "
                "na agenda (HOTELEITOS_SCHEDULE). Só este aviso: a volta também é avisada."
            )
            log.error("probe_failed", kind=error.kind, detail=error.detail, message=message)
        return
    metrics.PROBES.labels(result="changed" if seen.changed else "unchanged").inc()
    metrics.PROBE_SECONDS.observe(outcome.duration)
    if seen.coalesced:
        metrics.PROBE_COALESCED.inc()
    if seen.budget_spent:
        log.info("probe_budget_spent",
                 message="muitas mudanças nesta hora: as leituras completas chegaram ao limite da agenda "
                 "(HOTELEITOS_SCHEDULE), para a sonda nunca custar ao banco mais que ela; as mudanças seguintes são "
                 "lidas juntas, uma leitura completa por vez, no ritmo da agenda. Só este aviso até sobrar "
                 "orçamento (contadas em hoteleitos_probe_changes_coalesced_total).")  # fmt: skip
    if seen.recovered_after is not None:
        log.info("probe_recovered", failed_for_s=round(seen.recovered_after),
                 message="a sonda de mudança voltou a responder; o censo inteiro volta a ser lido quando algo muda "
                 "(e pelo menos a cada HOTELEITOS_FULL_READ_EVERY).")  # fmt: skip
