"""Content builtins (22): content blocks, TreatAsContent, rowsets built from text."""

from __future__ import annotations

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import to_bool, to_text

CAT = "Content"

_TAIL = "[impressionRegion], [errorIfMissing], [defaultContent], [@status]"


@builtin("TreatAsContent", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="TreatAsContent(content)")
def treat_as_content(ctx, content):
    """Runs the AMPscript in the text in the caller's scope and returns its output."""
    text = to_text(content)
    if "%%" not in text and "<script" not in text.lower():
        return text
    return ctx.run_nested(text, f"{ctx.name} (TreatAsContent)")


def _content_block(ctx, kind: str, ref, region, error_if_missing, default, status):
    ref_text = to_text(ref).strip()
    source = None
    if ref_text:
        source = ctx.backend.content_block(**{kind: ref_text})
    if source is None:
        if status is not None:
            status.set(ctx, -1)
        if error_if_missing is None or to_text(error_if_missing) == "" or to_bool(error_if_missing):
            raise FunctionError(f"no content block with {kind} '{ref_text}'")
        return to_text(default) if default is not None else ""
    if status is not None:
        status.set(ctx, 0)
    return ctx.run_nested(source, f"content block {ref_text}")


@builtin("ContentBlockByKey", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         signature=f"ContentBlockByKey(customerKey, {_TAIL})")
def content_block_by_key(ctx, key, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by customer key, in the caller's scope."""
    return _content_block(ctx, "key", key, region, error_if_missing, default, status)


def _leaf_name(path) -> str:
    """The block's own name from a ``Folder\\Sub\\Block`` path (the local content folder is flat)."""
    text = to_text(path).replace("/", "\\")
    return text.rsplit("\\", 1)[-1] if text else text


@builtin("ContentBlockByName", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         signature=f"ContentBlockByName(path, {_TAIL})")
def content_block_by_name(ctx, name, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by folder path and name (``Folder\\Block``)."""
    return _content_block(ctx, "name", _leaf_name(name), region, error_if_missing, default, status)


@builtin("ContentBlockByID", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         signature=f"ContentBlockByID(id, {_TAIL})")
def content_block_by_id(ctx, id_, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by numeric ID."""
    return _content_block(ctx, "id", id_, region, error_if_missing, default, status)


@builtin("BuildRowSetFromString", min_args=2, max_args=2, category=CAT,
         signature="BuildRowSetFromString(source, delimiter)")
def build_rowset_from_string(source, delimiter):
    """One row per segment in a single column (ordinal 1, also named Value)."""
    s = to_text(source)
    if s == "":
        return Rowset()
    d = to_text(delimiter)
    parts = s.split(d) if d else [s]
    names = ["Value"]
    index = {"value": 0}
    return Rowset([Row(names, [p], index) for p in parts])


