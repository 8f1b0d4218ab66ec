"""The JSONPath subset BuildRowsetFromJSON understands: ``$``, ``.key``, ``['key']``,
``[n]`` (negative counts from the end), ``[a:b]``, ``[*]``/``.*``, ``[a,b]`` unions and ``..key``
(recursive descent). Filter expressions (``?()``) and script expressions are not supported."""

from __future__ import annotations

from dataclasses import dataclass

_WILDCARD = object()


class JsonPathError(ValueError):
    """The path is not valid in the supported subset."""


@dataclass(frozen=True)
class Step:
    selectors: tuple          # str (key), int (index), slice, or _WILDCARD
    recursive: bool = False   # ``..``: apply to the node and every descendant


def parse(path: str) -> list[Step]:
    s = path.strip()
    if not s.startswith("$"):
        raise JsonPathError(f"the JSONPath '{path}' must start with '$'")
    steps: list[Step] = []
    i, n = 1, len(s)
    while i < n:
        recursive = False
        if s.startswith("..", i):
            recursive, i = True, i + 2
        elif s[i] == ".":
            i += 1
            if i < n and s[i] == "[":      # tolerate "$.[*]"
                pass
            elif i >= n:
                raise JsonPathError(f"the JSONPath '{path}' ends with '.'")
        elif s[i] != "[":
            raise JsonPathError(f"unexpected '{s[i]}' at position {i + 1} of the JSONPath '{path}'")
        if i < n and s[i] == "[":
            selectors, i = _bracket(s, i, path)
        else:
            start = i
            while i < n and s[i] not in ".[":
                i += 1
            name = s[start:i].strip()
            if not name:
                raise JsonPathError(f"a member name is missing at position {start + 1} of the JSONPath '{path}'")
            selectors = (_WILDCARD,) if name == "*" else (name,)
        steps.append(Step(selectors, recursive))
    return steps


def _bracket(s: str, i: int, path: str) -> tuple[tuple, int]:
    """Parse ``[...]`` starting at ``s[i] == '['``; returns the selectors and the index after ``]``."""
    items: list[str] = []
    current: list[str] = []
    quote = None
    j = i + 1
    while j < len(s):
        c = s[j]
        if quote:
            if c == "\\" and j + 1 < len(s):
                current.append(s[j + 1])
                j += 2
                continue
            current.append(c)
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
            current.append(c)
        elif c == ",":
            items.append("".join(current))
            current = []
        elif c == "]":
            items.append("".join(current))
            return tuple(_selector(item.strip(), path) for item in items), j + 1
        else:
            current.append(c)
        j += 1
    raise JsonPathError(f"unclosed '[' in the JSONPath '{path}'")


def _selector(item: str, path: str):
    if item == "*":
        return _WILDCARD
    if len(item) >= 2 and item[0] == item[-1] and item[0] in "'\"":
        return item[1:-1]
    if item.startswith(("?", "(")):
        raise JsonPathError(f"filter and script expressions are not supported in the JSONPath '{path}'")
    try:
        if ":" in item:
            parts = [int(p) if p.strip() else None for p in item.split(":")]
            if len(parts) > 3:
                raise ValueError
            return slice(*parts)
        return int(item)
    except ValueError:
        raise JsonPathError(f"'[{item}]' is not a valid selector in the JSONPath '{path}'") from None


def select(document: object, steps: list[Step]) -> list[object]:
    """Every value the path selects, in document order."""
    nodes = [document]
    for step in steps:
        found: list[object] = []
        for node in nodes:
            if step.recursive:
                found.extend(_scan(node, step.selectors))
            else:
                for sel in step.selectors:
                    found.extend(_apply(node, sel))
        nodes = found
    return nodes


def _scan(node: object, selectors: tuple):
    """``..``: members of ``node`` and of all its descendants that match, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if any(sel is _WILDCARD or sel == key for sel in selectors):
                yield value
            yield from _scan(value, selectors)
    elif isinstance(node, list):
        picked: set[int] = set()
        for sel in selectors:
            if sel is _WILDCARD:
                picked.update(range(len(node)))
            elif isinstance(sel, slice):
                picked.update(range(len(node))[sel])
            elif isinstance(sel, int) and -len(node) <= sel < len(node):
                picked.add(sel % len(node))
        for i, value in enumerate(node):
            if i in picked:
                yield value
            yield from _scan(value, selectors)


def _apply(node: object, sel) -> list[object]:
    if sel is _WILDCARD:
        if isinstance(node, dict):
            return list(node.values())
        return list(node) if isinstance(node, list) else []
    if isinstance(sel, str):
        return [node[sel]] if isinstance(node, dict) and sel in node else []
    if not isinstance(node, list):
        return []
    if isinstance(sel, slice):
        return node[sel]
    if -len(node) <= sel < len(node):
        return [node[sel]]
    return []
