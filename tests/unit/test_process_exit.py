"""A command that leaves its heap to the OS exits at once, with its code and its output."""

import subprocess
import sys

import pytest

PROGRAM = """
import sys
from rnd_ledger import process_exit
print("written before the exit", flush=False)
sys.stderr.write("and to stderr")
process_exit.leave_to_the_os([list(range(10)) for _ in range(1000)])
process_exit.exit_process(3)
"""


def run(program: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )


def test_the_output_is_flushed_and_the_code_kept() -> None:
    done = run(PROGRAM)
    assert done.returncode == 3
    assert done.stdout == "written before the exit\n"
    assert done.stderr == "and to stderr"


def test_atexit_handlers_do_not_run_when_a_heap_was_left() -> None:
    program = "import atexit; atexit.register(print, 'atexit ran')\n" + PROGRAM
    assert "atexit ran" not in run(program).stdout  # Python's own shutdown was skipped


def test_without_a_heap_left_the_exit_is_the_ordinary_one() -> None:
    program = (
        "import atexit; atexit.register(print, 'atexit ran')\n"
        "from rnd_ledger import process_exit\nprocess_exit.exit_process(4)\n"
    )
    done = run(program)
    assert done.returncode == 4 and "atexit ran" in done.stdout


def test_a_second_main_in_one_process_frees_what_the_first_left(capsys) -> None:
    from rnd_ledger import process_exit
    from rnd_ledger.cli import main

    process_exit.leave_to_the_os(object())
    try:
        main(["--help"])
    except SystemExit:
        pass
    assert process_exit._left == []


def test_the_console_command_survives_a_write_to_a_closed_socket() -> None:
    """A peer that went away (a Kafka broker restarting under `consume`) is
    an error the client library handles, not the silent death of the
    process: the console command keeps Python's SIGPIPE setting (ignored)."""
    program = """
import socket, sys
from rnd_ledger import cli
ours, peer = socket.socketpair()
peer.close()
def handler_then_write(argv=None):
    try:
        ours.sendall(b"request")
    except OSError as error:
        print("raised", type(error).__name__)
    return 0
cli.main = handler_then_write
cli.entry()
"""
    done = run(program)
    assert (done.returncode, done.stdout) == (0, "raised BrokenPipeError\n")


@pytest.mark.parametrize(
    "command, first",
    [("schema", "{"), ("demo --out -", "{"), ("--help", "u")],
)
def test_the_console_command_ends_quietly_in_a_closed_pipe(command: str, first: str) -> None:
    """`rnd-ledger demo --out - | head -c 1`: no traceback, no error line;
    the status of a command stopped by a closed pipe (128 + SIGPIPE), or 0
    when the output was handed over before the reader left."""
    done = subprocess.run(
        f"set -o pipefail; {sys.executable} -m rnd_ledger.cli {command} | head -c 1",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.stdout, done.stderr) == (first, "")
    assert done.returncode in (0, 141)
