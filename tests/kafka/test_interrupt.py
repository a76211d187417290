"""A second SIGINT interrupts at once, also while the broker is away."""

import signal
import time
import uuid

import pytest

from tests.builders import grant_messages
from tests.kafka.helpers import new_topic, produce
from tests.kafka.test_recovery import start, wait_for_position

pytestmark = pytest.mark.kafka


def ignoring_sigint() -> None:
    """How a script's background job starts: with SIGINT ignored."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("inherited", ["default", "ignored"])
def test_a_second_sigint_interrupts_at_once_while_the_broker_is_away(
    broker_behind_proxy, sqlite_url, inherited
):
    broker, proxy = broker_behind_proxy
    topic = new_topic(broker)
    messages = grant_messages(20_000)  # every 100th is invalid: each batch has dead letters
    produce(broker, topic, messages)
    group = f"g-{uuid.uuid4().hex[:8]}"
    dead = ("--dead-letter-topic", f"{topic}-dead", "--batch-size", "200")
    setup = {"preexec_fn": ignoring_sigint} if inherited == "ignored" else {}
    process = start(broker, sqlite_url, topic, group, *dead, **setup)
    wait_for_position(sqlite_url, 1_000, process)
    proxy.cut()  # a batch in hand: its dead letters wait for the broker
    time.sleep(2)
    process.send_signal(signal.SIGINT)  # finishing up needs the broker: it waits for it
    time.sleep(1)
    process.send_signal(signal.SIGINT)
    started = time.monotonic()
    _, err = process.communicate(timeout=60)
    # Not a speed goal but the behaviour: "at once" against the 10-20 s that
    # finishing up (the group's offsets, closing) waited for the absent broker.
    assert time.monotonic() - started < 8, err[-2000:]
    assert process.returncode == 130, err[-2000:]
    assert "interrupted; committed batches are kept" in err
