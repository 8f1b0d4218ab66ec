"""Content Builder asset JSON -> template text: each ``<div data-type="slot|block"
data-key="k"></div>`` placeholder becomes the content of ``slots[k]``/``blocks[k]``, recursively
(spec §9), so an exported template renders as the platform renders it."""

from __future__ import annotations

import re

from ..errors import FunctionError

MAX_DEPTH = 20
_PLACEHOLDER = re.compile(
    r"<div\b(?=[^>]*\bdata-type\s*=\s*[\"'](?P<type>slot|block)[\"'])"
    r"(?=[^>]*\bdata-key\s*=\s*[\"'](?P<key>[^\"']*)[\"'])[^>]*>\s*</div>",
    re.IGNORECASE)


def flatten_asset(asset: dict) -> str:
    """The asset's ``content`` with every slot and block placeholder replaced by its content."""
    if not isinstance(asset, dict):
        raise FunctionError("A Content Builder asset is a JSON object")
    return _resolve(asset, {}, {}, 0)


def _resolve(item: dict, slots: dict, blocks: dict, depth: int) -> str:
    if depth > MAX_DEPTH:
        raise FunctionError(f"Slots and blocks nest more than {MAX_DEPTH} levels deep")
    slots = {**slots, **{str(k).lower(): v for k, v in (item.get("slots") or {}).items()}}
    blocks = {**blocks, **{str(k).lower(): v for k, v in (item.get("blocks") or {}).items()}}
    content = item.get("content")
    if content is None:
        content = item.get("views", {}).get("html", {}).get("content", "") if isinstance(item.get("views"), dict) \
            else ""

    def replace(m: re.Match) -> str:
        table = slots if m.group("type").lower() == "slot" else blocks
        inner = table.get(m.group("key").lower())
        if not isinstance(inner, dict):
            return ""  # a placeholder without content renders empty
        return _resolve(inner, slots, blocks, depth + 1)

    return _PLACEHOLDER.sub(replace, str(content))
