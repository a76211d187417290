"""What the Kafka consumer and publisher share: connection settings, the
broker-unreachable error, and kafka-python's log turned into rare, short lines."""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from store.drivers import first_line

CONNECT_TIMEOUT_SECONDS = 12.0
T = TypeVar("T")

RECONNECT_BACKOFF_MAX_MS = 5_000  # mid-run broker loss: retry at most every 5 s
KAFKA_LOG_EVERY_SECONDS = 10.0
# kafka-python's own profiling note (its IO loop ran a slow task): not for operators.
NOT_OPERATIONAL = "blocking the event loop"


class BrokerUnavailable(Exception):
    """The broker could not be reached within the connect timeout."""


def split_servers(text: str) -> list[str]:
    return [server.strip() for server in text.split(",") if server.strip()]


def client_settings(bootstrap_servers: str, connect_timeout: float) -> dict[str, Any]:
    """Settings every client gets: where, how long to try at start, how to retry later."""
    return {
        "bootstrap_servers": split_servers(bootstrap_servers),
        "bootstrap_timeout_ms": int(connect_timeout * 1000),
        "reconnect_backoff_max_ms": RECONNECT_BACKOFF_MAX_MS,
        "client_id": "rnd-ledger",
    }


def publisher_settings(bootstrap_servers: str, connect_timeout: float) -> dict[str, Any]:
    """`publish`'s producer: every message acknowledged by all in-sync replicas,
    sent in batches of up to 256 KiB (a file's messages go out at once)."""
    return {
        **client_settings(bootstrap_servers, connect_timeout),
        "acks": "all",
        "linger_ms": 20,
        "batch_size": 256 * 1024,
        "max_block_ms": 10_000,
    }


def connect(factory: Callable[..., T], where: str, **settings: Any) -> T:
    """Build a kafka-python client; BrokerUnavailable if the broker does not answer.

    kafka-python itself retries the bootstrap (with backoff) until
    `bootstrap_timeout_ms`, so this is the bounded retry at start.
    """
    from kafka.errors import KafkaError  # here: importing kafka costs 0.1 s of every start-up

    logger = logging.getLogger("kafka")
    level = logger.level
    logger.setLevel(logging.CRITICAL)  # the one-line error below says it
    try:
        return factory(**settings)
    except KafkaError as error:
        reason = str(error).split(":", 1)[-1].strip() or type(error).__name__
        raise BrokerUnavailable(
            f"cannot reach Kafka at {where} "
            f"(tried for {settings.get('bootstrap_timeout_ms', 0) / 1000:.0f} s): {reason}"
        ) from None
    finally:
        logger.setLevel(level)


def close_producer(producer: Any, timeout: float) -> None:
    """Close a kafka-python producer, giving up records the broker never took.

    kafka-python 3 flushes first, and when that times out (the broker is away)
    it raises before stopping its network thread, which then runs on, retrying,
    for the life of the process. Callers treat unacknowledged records as not
    sent, so here the thread is stopped without them and the close completed.
    """
    from kafka.errors import KafkaError

    try:
        producer.close(timeout=timeout)
        return
    except KafkaError:
        pass
    sender = getattr(producer, "_sender", None)  # kafka-python's network thread
    if sender is not None:
        sender.force_close()  # fails the pending records' futures
        sender.join(timeout)
    try:
        producer.close(timeout=0)  # nothing left to flush: marks it closed
    except KafkaError:
        # The sender has not dropped the records yet (a broker that stopped
        # answering keeps it waiting): closed all the same. Otherwise the
        # producer's __del__ closes again at exit, flushing, and prints a
        # KafkaTimeoutError traceback after the command's last line.
        producer._closed = True


@dataclass(frozen=True)
class ConsumeSettings:
    bootstrap_servers: str
    topics: Sequence[str]
    group: str
    dead_letter_topic: str | None = None
    topic_owners: Mapping[str, str] = field(default_factory=dict)
    until_idle: float | None = None
    batch_size: int = 10_000  # larger transactions amortize index writes (bench_kafka)
    batch_wait: float = 0.25  # seconds to keep polling to fill a batch
    log_every: float = 10.0
    connect_timeout: float = CONNECT_TIMEOUT_SECONDS
    session_timeout_ms: int = 6_000
    heartbeat_interval_ms: int = 1_000

    def consumer_settings(self) -> dict[str, Any]:
        return {
            **client_settings(self.bootstrap_servers, self.connect_timeout),
            "group_id": self.group,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest",
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": self.heartbeat_interval_ms,
            "max_poll_records": self.batch_size,
            "max_partition_fetch_bytes": 8 * 1024 * 1024,
            "metrics_enabled": False,
        }

    def producer_settings(self) -> dict[str, Any]:
        return {
            **client_settings(self.bootstrap_servers, self.connect_timeout),
            "acks": "all",
            # Not idempotent: a dead letter may come twice anyway (its headers say
            # which record it is), and an idempotent producer whose producer id the
            # broker lost (a restart without its data) retries UnknownProducerIdError
            # for good, so the batch never commits though the broker is back.
            "enable_idempotence": False,
            "linger_ms": 5,
            # A dead letter carries a record as fetched (up to 8 MiB), plus our headers.
            "max_request_size": 8 * 1024 * 1024 + 64 * 1024,
            "max_block_ms": 10_000,  # a lost broker: retry (and notice a stop) every 10 s
            "metrics_enabled": False,
        }


class RareLines(logging.Handler):
    """kafka-python logs every failed reconnect; print one line per interval,
    saying how many similar lines were held back, so an outage stays readable."""

    def __init__(self, write: Callable[[str], None], every: float) -> None:
        super().__init__(logging.WARNING)
        self.write = write
        self.every = every
        self.last = float("-inf")
        self.held = 0
        self.total = 0  # every warning or error, for the progress line

    def emit(self, record: logging.LogRecord) -> None:
        if NOT_OPERATIONAL in str(record.msg):
            return
        self.total += 1
        now = time.monotonic()
        if now - self.last < self.every:
            self.held += 1
            return
        held = f" ({self.held} similar lines held back)" if self.held else ""
        self.last, self.held = now, 0
        text = record.getMessage().splitlines()[0][:300] if record.msg else record.levelname
        self.write(f"kafka: {text}{held}")


def quiet_kafka_log(write: Callable[[str], None], every: float = KAFKA_LOG_EVERY_SECONDS) -> None:
    """Route kafka-python's warnings and errors through RareLines (once per process)."""
    logger = logging.getLogger("kafka")
    if any(isinstance(h, RareLines) for h in logger.handlers):
        return
    logger.addHandler(RareLines(write, every))
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def kafka_warnings() -> int:
    """How many warnings and errors kafka-python has logged in this process so far."""
    handlers = logging.getLogger("kafka").handlers
    return sum(h.total for h in handlers if isinstance(h, RareLines))


RETRY_FIRST_SECONDS = 0.2  # poll failing while the broker is away: back off up to
RETRY_MAX_SECONDS = 5.0
LOG_TROUBLE_SECONDS = 10.0


class BrokerTrouble:
    """Retriable errors from poll (kafka-python 3 raises them while the broker
    is unreachable): logged at most every LOG_TROUBLE_SECONDS, each followed
    by a wait that doubles up to RETRY_MAX_SECONDS, cut short by a stop."""

    def __init__(self, log: Callable[[str], None], stopping: Callable[[], bool]) -> None:
        self.log = log
        self.stopping = stopping
        self.backoff = RETRY_FIRST_SECONDS
        self.logged = float("-inf")

    def wait(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self.logged >= LOG_TROUBLE_SECONDS:
            self.logged = now
            reason = first_line(error)[:200]
            self.log(f"broker: {reason}; retrying (nothing is lost: the ledger keeps positions)")
        deadline = now + self.backoff
        while time.monotonic() < deadline and not self.stopping():
            time.sleep(0.05)
        self.backoff = min(self.backoff * 2, RETRY_MAX_SECONDS)

    def reset(self) -> None:
        """The broker answered: the next trouble starts with a short wait again."""
        self.backoff = RETRY_FIRST_SECONDS


def idle_line(settings: ConsumeSettings, assigned_once: bool, join_grace: float) -> str:
    """Why --until-idle stops: quiet, or never given a partition (a group
    stuck in its broker looked like an empty topic)."""
    idle = settings.until_idle or 0.0
    if assigned_once:
        return f"no message for {idle:g} s: stopping"
    return (
        f"no partition was assigned to this consumer within {idle + join_grace:g} s: stopping "
        f"(does another member of group {settings.group!r} hold them all, or is the group "
        "stuck in the broker?)"
    )
