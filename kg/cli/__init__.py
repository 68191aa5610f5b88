"""The `kg` command line: a thin shell over the package's functions."""

from __future__ import annotations

import importlib

import click

from kg import __version__

# Each module holds a group of commands and lists them in COMMANDS.
COMMAND_MODULES = ["kg.cli.data", "kg.cli.gaps", "kg.cli.viz", "kg.cli.report", "kg.cli.tables", "kg.cli.sparql",
                   "kg.cli.changes", "kg.cli.extract"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kg")
def main():
    """kg: the industry-chain knowledge graph of an industrial park.

    Build the graph from CSV tables, find the missing and weak links of each chain, rank
    what to recruit, ask SPARQL questions, and draw the chains as an interactive graph.
    """


for _name in COMMAND_MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        main.add_command(_command)
