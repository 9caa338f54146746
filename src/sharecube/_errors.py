"""Errors of the command line and file layer (no heavy imports: the error handler needs them)."""

from __future__ import annotations


class InputError(ValueError):
    """A problem with a user's file or option; the message is one line, ready to print."""
