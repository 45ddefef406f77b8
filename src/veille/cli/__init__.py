"""The ``veille`` command: Typer groups, one module per group."""
