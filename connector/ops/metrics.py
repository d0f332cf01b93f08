"""The connector's Prometheus metrics (all named `hoteleitos_*`); none carries patient data."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

from connector.census import FIELDS

BUILD = Info("hoteleitos_build", "Connector version and configured HIS vendor.")
CYCLES = Counter("hoteleitos_cycles_total", "Cycles run, by result.", ["result"])
CYCLE_SECONDS = Histogram(
    "hoteleitos_cycle_duration_seconds",
    "Duration of a whole cycle (extract, map, push).",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
)
EXTRACT_SECONDS = Histogram(
    "hoteleitos_extract_duration_seconds",
    "Duration of the census query, fetch included.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
ROWS = Gauge("hoteleitos_rows_extracted", "Rows returned by the last successful census query.")
PATIENTS = Gauge("hoteleitos_census_patients", "Patients in the last census captured.")
LAST_SUCCESS = Gauge(
    "hoteleitos_last_success_timestamp_seconds", "Unix time of the last cycle whose census reached the API."
)
OUTBOX = Gauge("hoteleitos_outbox_snapshots", "Snapshots kept in the outbox, by status.", ["status"])
HELD = Counter("hoteleitos_guard_held_total", "Censuses held by the mass-discharge guard.")
PUSHES = Counter("hoteleitos_push_attempts_total", "Push attempts, by HTTP status (or `error`).", ["status"])
PUSH_SECONDS = Histogram(
    "hoteleitos_push_duration_seconds",
    "Duration of one push attempt.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
WARNINGS = Counter(
    "hoteleitos_normalisation_warnings_total",
    "Values that normalisation could not keep, by kind and field.",
    ["kind", "field"],
)
DROPPED = Counter("hoteleitos_outbox_dropped_total", "Snapshots dropped from the outbox, by reason.", ["reason"])
DEAD = Counter("hoteleitos_dead_letters_total", "Snapshots refused by the API (4xx) and set aside.")
QUARANTINED = Counter(
    "hoteleitos_outbox_quarantined_total", "Stored snapshots whose body could not be read back, set aside unsent."
)
RECOVERIES = Counter(
    "hoteleitos_outbox_recoveries_total",
    "Times the outbox started over from what could be salvaged, by cause (corrupt file, vanished state folder).",
    ["kind"],
)
CHANGES = Counter(
    "hoteleitos_census_changes_total",
    "What each accepted census changed against the previous accepted one: admissions, discharges, transfers "
    "(counts only).",
    ["kind"],
)
PROBES = Counter(
    "hoteleitos_probes_total", "Runs of the change probe, by result (unchanged, changed, failed).", ["result"]
)
PROBE_SECONDS = Histogram(
    "hoteleitos_probe_duration_seconds",
    "Duration of the change probe's query, fetch included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
PROBE_COALESCED = Counter(
    "hoteleitos_probe_changes_coalesced_total",
    "With the change probe on: changes the probe saw while the full reads' hourly budget (that of the schedule it "
    "replaces) was spent; they are read together by the next full read the budget allows.",
)
FULL_READS = Counter(
    "hoteleitos_full_reads_total",
    "With the change probe on: full census cycles, by what started them.",
    ["trigger"],
)
STATE_DISK_FREE = Gauge("hoteleitos_state_disk_free_bytes", "Free bytes on the state folder's file system (outbox).")
STATE_DISK_SIZE = Gauge("hoteleitos_state_disk_size_bytes", "Size in bytes of the state folder's file system.")
ORACLE_CLIENT = Info(
    "hoteleitos_oracle_client",
    "Oracle sessions: the driver's mode (thin, or thick with the Oracle Client) and version.",
)
PASSWORD_EXPIRING = Gauge(
    "hoteleitos_source_password_expiring",
    "1 while the database account's password expires within 14 days or is in its grace period (Oracle), else 0.",
)

TEXT_FIELDS = ("cod_quarto", "cod_leito", "convenio_nome", "paciente_nome", "profissional_nome",
               "tipo_ocorrencia_descricao")  # fmt: skip
NOT_CUT = ("data_internacao", "paciente_data_nascimento", "paciente_sexo")  # a date or a letter, by their rules
# Every label value the connector knows of, so that each series exists at 0 from the start: Prometheus'
# increase() and rate() cannot see the first 401 or the first failed read of a series that did not exist before.
PUSH_STATUSES = ("200", "201", "202", "204", "401", "403", "408", "425", "429", "500", "502", "503", "504", "error")
KNOWN_LABELS: tuple[tuple[Counter | Gauge, tuple[tuple[str, ...], ...]], ...] = (
    (CYCLES, (("ok",), ("extract_failed",), ("not_delivered",))),
    (PUSHES, tuple((status,) for status in PUSH_STATUSES)),
    (OUTBOX, (("pending",), ("held",), ("dead",), ("quarantined",))),
    (
        DROPPED,
        tuple(
            (reason,)
            for reason in (
                "max_count",
                "max_age",
                "max_bytes",
                "collapsed",
                "guard_false_alarm",
                "guard_superseded",
                "guard_confirmed",
                "guard_released_older",
            )
        ),
    ),
    (RECOVERIES, (("corrupt",), ("vanished",))),
    (CHANGES, (("admission",), ("discharge",), ("transfer",))),
    (PROBES, (("unchanged",), ("changed",), ("failed",))),
    (FULL_READS, (("start",), ("changed",), ("full_read_every",), ("schedule",))),
    (
        WARNINGS,
        (
            ("invalid_date", "data_internacao"),
            ("invalid_date", "paciente_data_nascimento"),
            ("date_out_of_range", "data_internacao"),
            ("date_out_of_range", "paciente_data_nascimento"),
            ("unknown_sex", "paciente_sexo"),
            ("missing_cod_ocorrencia", "cod_ocorrencia"),
            ("duplicate_cod_ocorrencia", "cod_ocorrencia"),
            *((kind, name) for kind in ("control_characters", "encoding_guessed") for name in TEXT_FIELDS),
            *(("too_long", name) for name in FIELDS if name not in NOT_CUT),
        ),
    ),
)


def start_at_zero() -> None:
    """Create every known series (at 0) before the first cycle."""
    for metric, label_sets in KNOWN_LABELS:
        for labels in label_sets:
            metric.labels(*labels)
