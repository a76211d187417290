"""Errors a command reports as one line on stderr with exit code 2."""


class CommandError(Exception):
    """Usage or configuration problem; the message says what to do next."""


def first_line(error: BaseException) -> str:
    """An error's first line for a one-line message (its class name if it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
