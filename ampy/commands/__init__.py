"""CLI sub-commands (one module each; see ampy.cli)."""
