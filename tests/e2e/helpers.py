"""Running the command as a user does: a process of its own."""

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "rnd_ledger.cli", *args], capture_output=True, text=True, timeout=120
    )
