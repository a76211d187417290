"""Errors the projections report to the user (a command turns them into exit 2)."""


class ProjectionError(ValueError):
    """A bad argument or parameter; the message says what to fix."""
