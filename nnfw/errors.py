"""The one exception type that means "the user's input is wrong", not "nnfw is broken"."""

from __future__ import annotations

import difflib
import sys
from collections.abc import Iterable


class UserError(Exception):
    """Bad input: reported as a short message with exit status 2 and no traceback.

    The message names the culprit; `hint` says how to fix it (choices, nearest match).
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        message, hint = from_worker(message, hint)
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  {self.hint}"


#: how torch's DataLoader hands on an error raised in a worker process: the error's class, built
#: again from this text and the worker's traceback (torch._utils.ExceptionWrapper)
WORKER_ERROR = "Caught UserError in DataLoader worker process"


def from_worker(message: str, hint: str | None) -> tuple[str, str | None]:
    """The message and hint of a UserError raised in a DataLoader worker (an image file that
    cannot be read), from the traceback text torch rebuilds it with; others as they are."""
    if hint is not None or not message.startswith(WORKER_ERROR) or f"{UserError.__name__}: " not in message:
        return message, hint
    raised = message.rsplit(f"{UserError.__name__}: ", 1)[1].rstrip("\n")
    first, _, rest = raised.partition("\n  ")
    return first, rest or None


def report(err: UserError) -> int:
    """Print a user error the way every nnfw command does, and return its exit status."""
    print(f"nnfw: error: {err}", file=sys.stderr)
    return err.exit_code


class Interrupted(Exception):
    """Training stopped by Ctrl-C or SIGTERM; a resumable checkpoint was saved when possible."""

    def __init__(self, signal_name: str, exit_code: int) -> None:
        super().__init__(f"interrupted by {signal_name}")
        self.exit_code = exit_code


def nearest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelled word, if any is close enough."""
    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


def suggestion(word: str, candidates: Iterable[str], kind: str) -> str:
    """'did you mean X? choices: ...' for a hint."""
    candidates = sorted(candidates)
    close = nearest(word, candidates)
    choices = f"{kind}: {', '.join(candidates)}" if candidates else ""
    return f"did you mean '{close}'? {choices}" if close else choices
