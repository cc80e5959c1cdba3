"""What every ``python -m retention_warehouse`` command shares: its help formatter and its date arguments (the
standard library only, so ``--help`` stays light)."""

from __future__ import annotations

import argparse
import datetime as dt
import re

DATE_FORMATS = "YYYY-MM-DD"  # what date_argument accepts


class HelpFormatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """The formatter of every ``python -m retention_warehouse`` command: the description as written, and each
    option's default as "(default: X)" after its help, unless the help names its default itself, the default is
    None (the help says what applies then) or the option is a flag (off unless given)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.help is None or "(default" in action.help or action.default is None or action.nargs == 0:
            return action.help
        return super()._get_help_string(action)


def date_argument(text: str) -> str:
    """An argparse ``type``: a calendar date written YYYY-MM-DD, returned as given; anything else is a one-line
    error naming the accepted format (argparse exits with code 2)."""
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
        try:
            dt.date.fromisoformat(text)
            return text
        except ValueError:
            pass
    raise argparse.ArgumentTypeError(f"{text!r} is not a date; accepted: {DATE_FORMATS} (e.g. 2024-01-31)")
