"""The `akhbar` command line: a thin layer over the library.

Each command lives in its own module under akhbar/commands/ (see its docstring). Exit codes,
for every command: 0 success, 1 the data has problems (validation errors, files not
canonical), 2 usage or I/O problems. Nothing a user's file can contain produces a traceback:
errors are reported as one message saying what and where.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from akhbar import __version__, commands
from akhbar.commands.common import EXIT_OK, EXIT_USAGE
from akhbar.errors import UserError

NOT_COMMANDS = {"common"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="akhbar", description="Tools of the Akhbar corpus of annotated Arabic news.")
    parser.add_argument("--version", action="version", version=f"akhbar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in sorted(m.name for m in pkgutil.iter_modules(commands.__path__)):
        if module not in NOT_COMMANDS:
            importlib.import_module(f"akhbar.commands.{module}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:  # a usage error, or one a library module raised about the input
        print(f"akhbar {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"akhbar {args.command}: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"akhbar {args.command}: interrupted", file=sys.stderr)
        return 130
