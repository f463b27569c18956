"""The `asb` command (asb/cli.py) and the project's own environment settings (asb/env.py)."""
