"""Subscriber attributes from a JSON file: the CLI's ``--attributes`` and the REPL's ``:attrs``."""

from __future__ import annotations

import json


class AttributesFileError(ValueError):
    """The file cannot be read or does not hold a JSON object; the message says which."""


def load_attributes(path: str) -> dict[str, object]:
    """The attributes a JSON object names: text stays text, null is empty, lists and objects are
    their JSON text, numbers and booleans stay values."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            data = json.load(f)
    except OSError as e:
        raise AttributesFileError(f"cannot read {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise AttributesFileError(f"{path} is not UTF-8 text (byte {e.start})") from None
    except ValueError as e:
        raise AttributesFileError(f"{path} is not valid JSON: {e}") from None
    if not isinstance(data, dict):
        raise AttributesFileError(f"{path} must hold a JSON object of attribute names to values")
    return {str(k): ("" if v is None else v if isinstance(v, str) else json.dumps(v)
                     if isinstance(v, (list, dict)) else v) for k, v in data.items()}
