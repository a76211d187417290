"""`rnd-ledger consume` (Kafka into the ledger) and `rnd-ledger publish` (for agencies)."""

import argparse
import re
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from eventsourcing.persistence import PersistenceError

from audit.seal import record_seal
from consumers.intake import Intake
from consumers.kafka_common import (
    CONNECT_TIMEOUT_SECONDS,
    BrokerUnavailable,
    ConsumeSettings,
    close_producer,
    connect,
    publisher_settings,
    quiet_kafka_log,
    split_servers,
)
from contract.policy import load_policy
from domain.ledger import Ledger
from rnd_ledger.arguments import (
    BATCHES_KEPT,
    add_policy,
    add_store,
    add_unused_store,
    check_agency,
    positive_int,
    positive_seconds,
)
from rnd_ledger.bootstrap import open_ledger
from rnd_ledger.errors import CommandError
from rnd_ledger.ingest_command import print_summary, tune_garbage_collector
from rnd_ledger.output import status, table
from store.drivers import first_line
from store.url import redact_password, store_url

if TYPE_CHECKING:  # imported by `consume` itself: other commands never load kafka-python
    from consumers.kafka_consumer import KafkaIngest

TOPIC_NAME = re.compile(r"[A-Za-z0-9._-]{1,249}")
SEAL_EVERY = 10_000
DEFAULT_BATCH = ConsumeSettings.batch_size  # the defaults are the settings'


class SealHook:
    """What `consume` calls every SEAL_EVERY stored records and at shutdown;
    keeps the last seal, printed under the summary as `ingest` does."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.last: tuple[int, str] | None = None

    def __call__(self) -> None:
        self.last = record_seal(self.ledger)


def register(commands: argparse._SubParsersAction) -> None:
    consume = commands.add_parser(
        "consume",
        help="consume contract events from Kafka topics into the ledger",
        description="Consume Kafka topics in a consumer group, validate every message against "
        "the contract, and record accepted events and rejections. Each batch is written in one "
        "transaction with its topic-partition positions, so a crash or rebalance never loses "
        "or doubles a message. Runs until SIGINT/SIGTERM (finishes the batch in hand, commits, "
        "exits 0; exits 1 if the batch's dead letters were not yet acknowledged, and that "
        "batch is read again next time) or --until-idle.",
    )
    add_bootstrap(consume)
    consume.add_argument(
        "--topic",
        action="append",
        required=True,
        type=topic_name,
        metavar="T",
        help="topic to consume (repeat for more)",
    )
    consume.add_argument(
        "--group", required=True, type=group_id, metavar="G", help="consumer group id"
    )
    consume.add_argument(
        "--dead-letter-topic",
        type=topic_name,
        metavar="D",
        help="also send every rejected message here, with headers saying why",
    )
    consume.add_argument(
        "--topic-owner",
        action="append",
        default=[],
        metavar="T=AGENCY",
        help="only AGENCY may write to topic T (repeat for more)",
    )
    consume.add_argument(
        "--until-idle",
        type=positive_seconds,
        metavar="SECONDS",
        help="exit 0 when no message arrived for this long (batch jobs), counted from the "
        "first partition assignment (waited for up to 30 s more) and from the last batch",
    )
    add_store(consume)
    add_policy(consume)
    consume.add_argument(
        "--batch-size",
        type=positive_int,
        default=DEFAULT_BATCH,
        metavar="N",
        help=f"messages per transaction at most (default {DEFAULT_BATCH})",
    )
    consume.add_argument(
        "--log-every",
        type=positive_seconds,
        default=ConsumeSettings.log_every,
        metavar="SECONDS",
        help=f"progress line interval on stderr (default {ConsumeSettings.log_every:g})",
    )
    consume.set_defaults(handler=run_consume, on_interrupt=BATCHES_KEPT)

    publish = commands.add_parser(
        "publish",
        help="for agencies: check JSONL files against the contract and send them to Kafka",
        description="Check every message against the contract (everything that does not need "
        "the ledger), list the invalid ones with line and reason code, and send the valid ones "
        "keyed by subject_id with acks=all. Invalid messages are never sent; exit 1 if any.",
    )
    add_bootstrap(publish)
    publish.add_argument(
        "--topic", required=True, type=topic_name, metavar="T", help="topic to send to"
    )
    publish.add_argument("files", nargs="+", metavar="FILE", help="JSONL file, .gz or -")
    add_policy(publish)
    add_unused_store(publish)
    publish.set_defaults(
        handler=run_publish,
        on_interrupt="interrupted; the messages sent so far stay in the topic: re-running "
        "publish is safe, the ledger ignores duplicates",
    )


def add_bootstrap(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap-servers",
        required=True,
        type=bootstrap_servers,
        metavar="HOST:PORT",
        help="Kafka brokers, comma-separated",
    )
    parser.add_argument(
        "--connect-timeout",
        type=float,
        default=CONNECT_TIMEOUT_SECONDS,
        metavar="SECONDS",
        help=argparse.SUPPRESS,
    )


def topic_name(text: str) -> str:
    """A name Kafka accepts, checked here rather than by a traceback later."""
    if not TOPIC_NAME.fullmatch(text) or text in (".", ".."):
        raise argparse.ArgumentTypeError(
            f"{text[:60]!r} is not a Kafka topic name: 1-249 characters of A-Z a-z 0-9 . _ -"
        )
    return text


def bootstrap_servers(text: str) -> str:
    for server in split_servers(text) or [""]:
        host, _, port = server.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(
                f"{server!r} is not HOST:PORT; write HOST:PORT[,HOST:PORT...]"
            )
    return text


def group_id(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("the consumer group id must not be empty")
    return text


def topic_owners(pairs: Sequence[str], topics: Sequence[str]) -> dict[str, str]:
    owners: dict[str, str] = {}
    for pair in pairs:
        topic, _, agency = pair.partition("=")
        if not topic or not agency:
            raise CommandError(f"--topic-owner {pair!r}: write TOPIC=AGENCY, e.g. nrf-events=NRF")
        if topic not in topics:
            raise CommandError(f"--topic-owner {pair!r}: topic {topic!r} is not a --topic")
        check_agency(agency, f"--topic-owner {topic}=")
        if owners.get(topic, agency) != agency:
            raise CommandError(f"--topic-owner: topic {topic!r} is given two owners")
        owners[topic] = agency
    return owners


@contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT/SIGTERM: finish the batch in hand and stop; a second SIGINT
    interrupts (KeyboardInterrupt), also in a process that started with
    SIGINT ignored (a background job of a script): restoring that setting
    left no way to hurry a stop that waits for an absent broker."""

    def handle(signum: int, _frame: object) -> None:
        status(f"{signal.Signals(signum).name}: finishing the batch in hand, then stopping")
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run_consume(args: argparse.Namespace) -> int:
    # Imported here, not at the top: kafka-python costs every command 0.1 s of start-up.
    from kafka.errors import KafkaError

    from consumers.kafka_consumer import KafkaIngest

    owners = topic_owners(args.topic_owner, args.topic)
    if args.dead_letter_topic in args.topic:
        raise CommandError(
            f"--dead-letter-topic {args.dead_letter_topic!r} is also a --topic: "
            "rejected messages would come back forever"
        )
    url = store_url(args.store)
    policy = load_policy(args.policy)  # every configuration error before the store is made
    for topic, agency in owners.items():
        if warning := policy.owner_warning(agency, f"--topic-owner {topic}={agency}"):
            status(warning)
    ledger = open_ledger(url)
    intake = Intake(ledger, policy)
    quiet_kafka_log(status)
    settings = ConsumeSettings(
        bootstrap_servers=args.bootstrap_servers,
        topics=list(dict.fromkeys(args.topic)),
        group=args.group,
        dead_letter_topic=args.dead_letter_topic,
        topic_owners=owners,
        until_idle=args.until_idle,
        batch_size=args.batch_size,
        log_every=args.log_every,
        connect_timeout=args.connect_timeout,
    )
    tune_garbage_collector()
    started = time.monotonic()
    seals = SealHook(ledger)
    try:
        ingest = KafkaIngest(intake, settings, status, seals, SEAL_EVERY)
    except BrokerUnavailable as error:
        raise CommandError(str(error)) from None
    with stop_on_signals(ingest.stop):
        try:
            summary = ingest.run()
        except PersistenceError as error:
            raise CommandError(
                f"store {redact_password(url)} failed mid-run: {first_line(error)}; "
                "committed batches are kept, re-run to resume"
            ) from None
        except KafkaError as error:
            raise CommandError(
                f"Kafka failed mid-run: {first_line(error)}; "
                "committed batches are kept, re-run to resume"
            ) from None
    elapsed, timed = busy_time(ingest, time.monotonic() - started)
    print_summary(summary, elapsed, redact_password(url), ledger.position(), timed, seals.last)
    return 1 if ingest.incomplete else 0


def busy_time(ingest: "KafkaIngest", total: float) -> tuple[float, str]:
    """The time from the first message read to the last batch committed, and
    so saying: the whole run also waited for the group and, with
    --until-idle, for the quiet that ends it, and its rate would count that."""
    busy = ingest.busy_seconds
    if busy is None:
        return total, ""
    return busy, f", from the first message read to the last commit ({total:.1f} s in all)"


def run_publish(args: argparse.Namespace) -> int:
    from kafka import KafkaProducer

    from consumers.kafka_publisher import SendFailed, check_files, send_all

    checked = check_files(args.files, load_policy(args.policy))
    if checked.invalid:
        print(f"{len(checked.invalid):,} invalid messages, not sent:")
        rows = [(i.file, i.line, i.reason, i.message) for i in checked.invalid]
        table(["file", "line", "reason", "message"], rows)
    sent = 0
    if checked.valid:
        quiet_kafka_log(status)
        settings = publisher_settings(args.bootstrap_servers, args.connect_timeout)
        try:
            producer = connect(KafkaProducer, args.bootstrap_servers, **settings)
        except BrokerUnavailable as error:
            raise CommandError(str(error)) from None
        try:
            partitions = send_all(producer, args.topic, checked.valid)
        except SendFailed as error:
            raise CommandError(str(error)) from None
        finally:
            close_producer(producer, 10)
        sent = sum(partitions.values())
        spread = ", ".join(f"{p}: {n:,}" for p, n in sorted(partitions.items()))
        print(f"Sent {sent:,} messages to {args.topic} (acks=all; by partition {spread}).")
    else:
        print(f"Sent nothing to {args.topic}: no valid message.")
    return 1 if checked.invalid else 0
