"""Errors a command reports as one line on stderr with exit code 2."""


class CommandError(Exception):
    """Usage or configuration problem; the message says what to do next."""
