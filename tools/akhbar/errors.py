"""The errors a user is shown as one message, never as a traceback."""

from __future__ import annotations


class UserError(Exception):
    """A problem with what the user gave (a path, a revision, a file that cannot be read) or
    with the setup, stated in full by the message. The command line prints it and exits with
    code 2; each library module raises its own subclass (InputError, DiffError, …)."""
