"""The `postwriter` command: one entry point, a subcommand per process or task."""

from postwriter.cli.core import main

__all__ = ["main"]
