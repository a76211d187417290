"""A command that leaves its heap to the OS exits at once, with its code and its output."""

import subprocess
import sys

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


def test_main_in_process_leaves_the_callers_sigpipe_handling_alone() -> None:
    """The console command takes SIGPIPE's default action (quiet end in a
    closed pipe); `main` called in-process must not: a later write to a
    closed socket would kill the caller (a test run, talking to a broker)."""
    import signal

    from rnd_ledger.cli import main

    before = signal.signal(signal.SIGPIPE, signal.SIG_IGN)  # Python's own start-up setting
    try:
        try:
            main(["--help"])
        except SystemExit:
            pass
        assert signal.getsignal(signal.SIGPIPE) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGPIPE, before)


def test_the_console_command_ends_quietly_in_a_closed_pipe(tmp_path) -> None:
    """`rnd-ledger schema | head -1`: no traceback, no error line."""
    done = subprocess.run(
        f"{sys.executable} -m rnd_ledger.cli schema | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "{"
    assert done.stderr == ""
