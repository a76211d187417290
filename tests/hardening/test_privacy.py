"""Nothing the ledger writes carries personal data.

Messages carry e-mail addresses, resident registration numbers and phone
numbers in every position (ids, payload strings, nested lists, unknown field
values and names, malformed JSON lines, Kafka keys and headers). They are
ingested from a file (SQLite and PostgreSQL) and consumed from Kafka with a
dead-letter topic; then everything written is scanned: the SQLite files
(database, WAL, shared memory), the PostgreSQL tables, the rejection log and
export output, the dead-letter topic (keys, values, headers), and the
commands' stdout and stderr. Neither the exact PII strings nor anything
matching the contract's PII patterns may appear.
"""

import re
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from contract.pii import PII_PATTERN
from tests.builders import event, line
from tests.kafka.helpers import FAST_GROUP, new_topic, read_topic, run

EMAIL = "hong.gildong@example.co.kr"
RESIDENT = "900101-1234567"
RESIDENT_BARE = "8501012345678"
PHONE = "010-9876-5432"
PHONE_BARE = "01055551234"
PII = [EMAIL, RESIDENT, RESIDENT_BARE, PHONE, PHONE_BARE]
HEX_TOKEN = re.compile(rb"[0-9a-f]{32,64}")  # SHA-256 digests and UUIDs, not text


def pii_messages() -> list[bytes]:
    """One raw message per position PII can hide in."""
    clean_award = event("GrantAwarded", "G1")
    sent = [
        line(event("ResearcherRegistered", "R1")),  # clean: accepted
        line(clean_award),
        line(event("InstituteRegistered", "KIST", event_id=PHONE)),
        line(event("InstituteRegistered", RESIDENT)),
        line(event("InstituteRegistered", "KIST", source=PHONE_BARE)),
        line(event("InstituteRegistered", "KIST", event_type=EMAIL)),
        line(event("InstituteRegistered", "ETRI", payload_update={"name_ko": f"연락처 {PHONE}"})),
        line(event("RepresentativeResultSubmitted", "KIST", payload_update={"title": EMAIL})),
        line(
            event(
                "InstituteEvaluated",
                "KIST",
                payload_update={"representative_result_ids": ["RR-1", RESIDENT_BARE]},
            )
        ),
        line(event("GrantAmended", "G1", payload_update={"reason": f"asked by {EMAIL}"})),
        line({**event("InstituteRegistered", "KRISS"), "contact": EMAIL}),
        line({**event("InstituteRegistered", "KRISS"), EMAIL: 1}),
        line(event("InstituteRegistered", "KRISS", payload_update={"extra": [[{"x": PHONE}]]})),
        line(event("InstituteRegistered", "KRISS", payload_update={PHONE_BARE: "x"})),
        line(event("InstituteRegistered", "KRISS", schema_version=2, note=RESIDENT)),
        f"not json, call {PHONE} or write to {EMAIL}".encode(),
        f'{{"event_id": "{RESIDENT}", "event_type": "GrantAwarded", broken'.encode(),
        line(event("InstituteRegistered", "KRISS"))[:-30] + EMAIL.encode(),
        # Duplicate keys: the PII guard reads every copy, not only the one kept.
        b'{"subject_id":"' + RESIDENT.encode() + b'",' + line(event("InstituteRegistered"))[1:],
        # An accepted event_id again, with PII: a duplicate, no effect at all.
        line({**clean_award, "payload": {**clean_award["payload"], "program": EMAIL}}),
        line(event("InstituteRegistered", "KRISS", occurred_at=f"{EMAIL}T00:00:00Z")),
        line(event("GrantFundsDisbursed", "G1", payload_update={"disbursed_on": PHONE})),
    ]
    return sent


# In a database file's bytes, records are runs of valid UTF-8 text; elsewhere
# (a page's cell pointers, varints) bytes can spell an e-mail-shaped "2@0O.S".
TEXT_RUN = re.compile("[^\x00-\x1f\x7f\ufffd]{24,}")


def found_pii(data: bytes, binary: bool = False) -> list[str]:
    """The exact PII strings, and PII-pattern matches outside hex digests/ids
    (in a binary file, only inside runs of text)."""
    hits = [p for p in PII if p.encode() in data or p.encode("utf-16-le") in data]
    text = HEX_TOKEN.sub(b"#", data).decode("utf-8", "replace")
    for chunk in TEXT_RUN.findall(text) if binary else [text]:
        hits += [m.group(0) for m in PII_PATTERN.finditer(chunk)]
    return hits


def test_binary_noise_is_not_personal_data_but_stored_text_is():
    """The leak check itself: a database file's page bytes can spell "2@0O.S"."""
    assert found_pii(b"\x01\x022@0O.S\x03\x00", binary=True) == []
    pointers = b"\x17[\x00=\xd5;\x829\xa97\xc85\xea4(2@0O.S,t*\x92(\xad&\xcd$\xe8#\t!Z\x1f"
    assert found_pii(pointers, binary=True) == []  # seen in a 16 KiB page's header
    stored = b"\x00\x07" + b'{"title":"write to hong.gildong@univ.ac.kr"}' + b"\x00"
    assert found_pii(stored, binary=True) == ["hong.gildong@univ.ac.kr"]
    assert found_pii(b"\x01\x022@0O.S\x03") == ["2@0O.S"]  # as text, it would count


def sqlite_files(store: str) -> dict[str, bytes]:
    path = Path(store.removeprefix("sqlite:///"))
    return {
        p.name: p.read_bytes()
        for p in path.parent.glob(path.name + "*")
        if p.is_file() and p.stat().st_size
    }


def postgres_tables(store: str) -> dict[str, bytes]:
    base, schema = store.split("?schema=")
    dumped = {}
    with psycopg.connect(base) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        assert {"ledger_events", "ledger_event_ids", "ledger_tracking"} <= {t for (t,) in tables}
        for (table,) in tables:
            rows = connection.execute(
                sql.SQL("SELECT t::text FROM {}.{} AS t").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            ).fetchall()
            dumped[table] = "\n".join(r for (r,) in rows).encode()
        states = connection.execute(
            sql.SQL("SELECT state FROM {}.ledger_events").format(sql.Identifier(schema))
        ).fetchall()
        dumped["ledger_events.state"] = b"\n".join(bytes(s) for (s,) in states)
    return dumped


def outputs_of(store: str) -> dict[str, bytes]:
    """What the reading commands print for a store."""
    written = {}
    for name, args in {
        "rejections-json": ("rejections", "--format", "json"),
        "rejections-table": ("rejections", "--format", "table"),
        "export": ("export",),
        "verify": ("verify",),
    }.items():
        done = run(*args, "--store", store)
        assert done.returncode == 0, done.stderr
        written[name] = (done.stdout + done.stderr).encode()
    return written


def produce_with_pii(broker: str, topic: str, raws: list[bytes]) -> None:
    """The messages as Kafka records with PII keys and headers too."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=broker, acks="all", linger_ms=5)
    try:
        futures = []
        for number, raw in enumerate(raws):
            key = [EMAIL, PHONE, b"k"][number % 3]
            headers = [("trace", b"t-1")]
            if number % 2:
                headers.append(("contact", RESIDENT.encode()))
            futures.append(
                producer.send(
                    topic,
                    value=raw,
                    key=key if isinstance(key, bytes) else key.encode(),
                    headers=headers,
                )
            )
        producer.flush(timeout=30)
        assert all(f.succeeded() for f in futures)
    finally:
        producer.close()


@pytest.mark.kafka
@pytest.mark.postgres
@pytest.mark.slow
def test_nothing_written_carries_personal_data(broker, tmp_path, postgres_url):
    postgres_store = postgres_url
    raws = pii_messages()
    data = tmp_path / "delivery.jsonl"
    data.write_bytes(b"\n".join(raws) + b"\n")
    file_store = f"sqlite:///{tmp_path / 'file.db'}"
    kafka_store = f"sqlite:///{tmp_path / 'kafka.db'}"
    written: dict[str, bytes] = {}
    binary: set[str] = set()  # database files

    for name, store in {"ingest-sqlite": file_store, "ingest-postgres": postgres_store}.items():
        done = run("ingest", str(data), "--store", store)
        assert done.returncode == 0, done.stderr
        assert "accepted" in done.stdout and "pii_detected" in done.stdout
        written[name] = (done.stdout + done.stderr).encode()

    topic, dead = new_topic(broker), new_topic(broker, prefix="dead")
    produce_with_pii(broker, topic, raws)
    done = run(
        "consume", "--bootstrap-servers", broker, "--store", kafka_store, "--topic", topic,
        "--group", f"g-{uuid.uuid4().hex[:8]}", "--dead-letter-topic", dead,
        "--until-idle", "1", *FAST_GROUP,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    written["consume"] = (done.stdout + done.stderr).encode()

    # Rejected: all but the two clean messages and the duplicate.
    letters = read_topic(broker, dead, expect=len(raws) - 3)
    assert len(letters) == len(raws) - 3, "every rejected record is dead-lettered"
    for number, letter in enumerate(letters):
        written[f"dead-letter-{number}"] = b"\n".join(
            [letter.key or b"", letter.value or b""]
            + [k.encode() + b"=" + v for k, v in letter.headers or []]
        )

    for store in (file_store, kafka_store):
        for name, content in sqlite_files(store).items():
            written[f"{Path(store).name}:{name}"] = content
            binary.add(f"{Path(store).name}:{name}")
        for name, content in outputs_of(store).items():
            written[f"{Path(store).name}:{name}"] = content
    written.update({f"postgres:{k}": v for k, v in postgres_tables(postgres_store).items()})
    written.update({f"postgres:{k}": v for k, v in outputs_of(postgres_store).items()})

    assert any(b"pii_detected" in content for content in written.values())
    assert any(b'"event_id":"' in content for content in written.values())
    # The operator's own store URL (postgresql://postgres@127.0.0.1…) is printed in
    # summaries and looks like an e-mail address; it is not a message's data.
    urls = [s.encode() for s in (postgres_store, postgres_store.split("?")[0])]
    for name, content in written.items():
        for url in urls:
            content = content.replace(url, b"<store>")
        written[name] = content
    leaks = {name: found_pii(content, name in binary) for name, content in written.items()}
    leaked = {name: hits for name, hits in leaks.items() if hits}
    assert not leaked, "\n".join(f"{name}: {sorted(set(hits))}" for name, hits in leaked.items())
