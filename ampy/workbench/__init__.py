"""The developer workbench served by ``ampy serve --workspace``."""
