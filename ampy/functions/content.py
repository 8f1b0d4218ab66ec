"""Content builtins (22): content blocks, TreatAsContent, rowsets built from text."""

from __future__ import annotations

import functools
from html import escape

from ..errors import FunctionError
from ..registry import builtin
from ..runtime.rowsets import Row, Rowset
from ..runtime.values import number_result, to_bool, to_int, to_text

CAT = "Content"

_TAIL = "[impressionRegion], [errorIfMissing], [defaultContent], [@status]"


@builtin("TreatAsContent", min_args=1, max_args=1, category=CAT, needs_context=True,
         signature="TreatAsContent(content)")
def treat_as_content(ctx, content):
    """Runs the AMPscript in the text in the caller's scope and returns its output."""
    text = to_text(content)
    if "%%" not in text and "{{" not in text and "<script" not in text.lower():  # {{: GTL tags
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
         local="content blocks from the workspace's content/ folder.",
         soap="content blocks from the workspace's content/ folder (Content Builder assets are REST, not Partner API).",
         signature=f"ContentBlockByKey(customerKey, {_TAIL})")
def content_block_by_key(ctx, key, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by customer key, in the caller's scope."""
    return _content_block(ctx, "key", key, region, error_if_missing, default, status)


@builtin("ContentBlockByName", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         local="the file at the folder path under the workspace's content/ folder.",
         soap="content blocks from the workspace's content/ folder (Content Builder assets are REST, not Partner API).",
         signature=f"ContentBlockByName(path, {_TAIL})")
def content_block_by_name(ctx, name, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by folder path and name (``Folder\\Sub\\Block`` is the
    file content/Folder/Sub/Block.*; a bare name is a block at the top of the content folder)."""
    return _content_block(ctx, "name", name, region, error_if_missing, default, status)


@builtin("ContentBlockByID", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         local="the file content/index.json gives the ID (else a file named after the ID).",
         soap="content blocks from the workspace's content/ folder (Content Builder assets are REST, not Partner API).",
         signature=f"ContentBlockByID(id, {_TAIL})")
def content_block_by_id(ctx, id_, region=None, error_if_missing=None, default=None, status=None):
    """Renders a content block addressed by numeric ID (content/index.json maps IDs to files)."""
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


# ---- rowsets from JSON and XML ------------------------------------------------------------

def _json_cell(value) -> object:
    """A JSON scalar as the text a rowset cell holds; nested objects and arrays render empty."""
    if isinstance(value, (dict, list)) or value is None:
        return ""
    if isinstance(value, float):
        return to_text(number_result(value))   # 100.0 prints 100, like every runtime number
    return to_text(value)


@functools.lru_cache(maxsize=256)
def _json_path(path: str):
    """The compiled JSONPath (RFC 9535 through python-jsonpath: filters ``[?(@.price < 10)]``,
    slices, unions, ``..`` descent); compiled once per distinct path."""
    import jsonpath

    if not path.strip().startswith("$"):
        raise ValueError(f"the JSONPath '{path}' must start with '$'")
    try:
        return jsonpath.compile(path.strip())
    except jsonpath.JSONPathError as e:
        reason = e.args[0] if e.args else str(e)
        raise ValueError(f"the JSONPath '{path}' is not valid: {reason}") from None


def _document_position(document, parts) -> tuple:
    """Where a match sits in the document, as indexes along its path (ancestors sort first)."""
    position, node = [], document
    for part in parts:
        if isinstance(node, dict):
            position.append(list(node).index(part) if part in node else len(node))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            position.append(part % len(node) if node else 0)
            node = node[part] if -len(node) <= part < len(node) else None
        else:
            break
    return tuple(position)


def _json_rows(document, path: str) -> Rowset:
    import jsonpath

    try:
        found = list(_json_path(path).finditer(document))
    except jsonpath.JSONPathError as e:
        reason = e.args[0] if e.args else str(e)
        raise ValueError(f"the JSONPath '{path}' cannot be applied: {reason}") from None
    if ".." in path:
        # The engine (Json.NET's SelectTokens) scans descendants depth-first in document order;
        # RFC 9535 lists a node's children before deeper matches, so put them back in that order.
        found.sort(key=lambda m: _document_position(document, m.parts))
    rows = []
    for match in (m.obj for m in found):
        # A path that hits an array yields a row per element.
        for item in (match if isinstance(match, list) else [match]):
            if isinstance(item, dict):
                rows.append(Row(list(item.keys()), [_json_cell(v) for v in item.values()]))
            else:
                rows.append(Row(["Value"], [_json_cell(item)]))
    return Rowset(rows)


@builtin("BuildRowsetFromJSON", min_args=3, max_args=3, category=CAT,
         signature="BuildRowsetFromJSON(json, jsonPath, returnEmptyOnError)")
def build_rowset_from_json(source, path, empty_on_error):
    """Rows for what a JSONPath selects: objects give a column per key, scalars a Value column;
    bad input gives an empty rowset when the flag is 1/true and aborts when it is 0/false."""
    import json

    try:
        text = to_text(source)
        if not text.strip():
            raise ValueError("the JSON is empty")
        try:
            document = json.loads(text)
        except ValueError as e:
            raise ValueError(f"the JSON is not valid: {e}") from None
        return _json_rows(document, to_text(path))
    except ValueError as e:
        if to_bool(empty_on_error):
            return Rowset()
        raise FunctionError(str(e)) from None


@builtin("BuildRowSetFromXML", min_args=3, max_args=3, category=CAT,
         signature="BuildRowSetFromXML(xml, xpath, returnEmptyOnError)")
def build_rowset_from_xml(source, xpath, empty_on_error):
    """A row per node the XPath selects with Value, Xml and <attribute>_att columns; bad input
    gives an empty rowset when the flag is 1/true and aborts when it is 0/false."""
    from . import _xml

    try:
        columns, rows = _xml.xpath_rows(to_text(source), to_text(xpath))
    except FunctionError:
        if to_bool(empty_on_error):
            return Rowset()
        raise
    return Rowset(Row(columns, [r.get(c, "") for c in columns]) for r in rows)


@builtin("TransformXML", min_args=2, max_args=2, category=CAT, signature="TransformXML(xml, xsl)")
def transform_xml(source, stylesheet):
    """Applies an XSLT 1.0 stylesheet to the XML (no file or network access)."""
    from . import _xml

    return _xml.transform(to_text(source), to_text(stylesheet))


@builtin("BuildOptionList", min_args=3, max_args=None, category=CAT,
         signature="BuildOptionList(selected, value1, text1, [valueN, textN]...)")
def build_option_list(selected, *options):
    """One <option> per value/text pair; the value equal to ``selected`` is marked selected."""
    if len(options) % 2:
        raise FunctionError("value/text arguments must come in pairs")
    wanted = to_text(selected)
    out = []
    for i in range(0, len(options), 2):
        value = to_text(options[i])
        mark = ' selected="selected"' if value == wanted else ""
        out.append(f'<option value="{escape(value)}"{mark}>{escape(to_text(options[i + 1]), quote=False)}</option>')
    return "".join(out)


# ---- classic content areas and images -----------------------------------------------------

@builtin("ContentArea", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         local="the file content/index.json gives the ID (else a file named after the ID).",
         soap="content blocks from the workspace's content/ folder (Content Builder assets are REST, not Partner API).",
         signature=f"ContentArea(id, {_TAIL})")
def content_area(ctx, id_, region=None, error_if_missing=None, default=None, status=None):
    """Renders a classic content area by ID (deprecated: use ContentBlockByID)."""
    return _content_block(ctx, "id", id_, region, error_if_missing, default, status)


@builtin("ContentAreaByName", min_args=1, max_args=5, category=CAT, needs_context=True, out_params=(4,),
         local="the file at the folder path under the workspace's content/ folder.",
         soap="content blocks from the workspace's content/ folder (Content Builder assets are REST, not Partner API).",
         signature=f"ContentAreaByName(path, {_TAIL})")
def content_area_by_name(ctx, name, region=None, error_if_missing=None, default=None, status=None):
    """Renders a classic content area by folder path (deprecated: use ContentBlockByName)."""
    return _content_block(ctx, "name", name, region, error_if_missing, default, status)


def _image_tag(record: dict) -> str:
    url = to_text(record.get("url"))
    title = to_text(record.get("title", record.get("name", "")))
    alt = to_text(record.get("alt", title))
    thid = to_text(record.get("thid", record.get("id", "")))
    return (f'<img src="{escape(url)}" title="{escape(title)}" alt="{escape(alt)}" border="0" '
            f'thid="{escape(thid)}">')


def _content_image(ctx, kind: str, ref, fallback) -> str:
    tried = []
    for candidate in (ref, fallback):
        text = to_text(candidate).strip() if candidate is not None else ""
        if not text:
            continue
        tried.append(text)
        record = ctx.backend.content_image(**{kind: text})
        if record is not None:
            return _image_tag(record)
    if not tried:
        raise FunctionError(f"the image {kind} is empty")
    raise FunctionError(f"no image with {kind} {' or '.join(repr(t) for t in tried)}")


@builtin("ContentImageByID", min_args=1, max_args=2, category=CAT, needs_context=True,
         local="images of the workspace's content/images/ folder (images.json).",
         soap="Content Builder image assets over the tenant's REST API (the OAuth token's rest_instance_url); "
              "without one (WS-Security login), the workspace's content/images/ folder.",
         signature="ContentImageByID(id, [fallbackId])")
def content_image_by_id(ctx, id_, fallback=None):
    """An <img> tag for a Content Builder image by ID, else the fallback image; none aborts."""
    return _content_image(ctx, "id", id_, fallback)


@builtin("ContentImageByKey", min_args=1, max_args=2, category=CAT, needs_context=True,
         local="images of the workspace's content/images/ folder (images.json).",
         soap="Content Builder image assets over the tenant's REST API (the OAuth token's rest_instance_url); "
              "without one (WS-Security login), the workspace's content/images/ folder.",
         signature="ContentImageByKey(customerKey, [fallbackKey])")
def content_image_by_key(ctx, key, fallback=None):
    """An <img> tag for a Content Builder image by customer key, else the fallback image."""
    return _content_image(ctx, "key", key, fallback)


_PORTFOLIO_RETIRED = "Portfolio was retired in April 2023; {} can no longer be used"


@builtin("Image", min_args=1, max_args=2, category=CAT, signature="Image(imageKey, [fallbackKey])")
def image(key, fallback=None):
    """Classic Portfolio image (dead: Portfolio is retired; use ContentImageByKey)."""
    raise FunctionError(_PORTFOLIO_RETIRED.format("Image") + " (use ContentImageByKey or ContentImageByID)")


@builtin("GetPortfolioItem", min_args=1, max_args=1, category=CAT, signature="GetPortfolioItem(itemKey)")
def get_portfolio_item(key):
    """Classic Portfolio item (dead: Portfolio is retired; use Content Builder blocks)."""
    raise FunctionError(_PORTFOLIO_RETIRED.format("GetPortfolioItem") + " (use ContentBlockByKey)")


# ---- barcodes -----------------------------------------------------------------------------

BARCODE_SERVICE = "https://view.exacttarget.com/barcode/"
BARCODE_TYPES = ("codabar", "code11", "code128auto", "code128a", "code128b", "code128c", "code39",
                 "code39ext", "code93", "code93ext", "datamatrix", "ean13", "ean8", "industr25",
                 "interl25", "msi", "pdf417", "upca", "upce")
BARCODE_ROTATIONS = (0, 90, 180, 270)


def _flag_text(value) -> str:
    return "1" if to_bool(value) else "0"


@builtin("BarcodeURL", min_args=4, max_args=9, category=CAT,
         signature="BarcodeURL(value, type, width, height, [checksum], [showText], [altText], [rotation], "
                   "[transparentBackground])")
def barcode_url(value, kind, width, height, checksum=None, show_text=None, alt_text=None, rotation=None,
                transparent=None):
    """URL of a generated barcode image (19 symbologies, rotation 0/90/180/270)."""
    from urllib.parse import urlencode

    text = to_text(value)
    if text == "":
        raise FunctionError("the barcode value is empty")
    symbology = to_text(kind).strip().lower()
    if symbology not in BARCODE_TYPES:
        raise FunctionError(f"'{to_text(kind)}' is not a barcode type; use one of {', '.join(BARCODE_TYPES)}")
    w, h = to_int(width, "width"), to_int(height, "height")
    if w < 1 or h < 1:
        raise FunctionError(f"the barcode width and height must be positive, not {w} x {h}")
    query = [("type", symbology), ("barcode", text), ("width", w), ("height", h)]
    if checksum is not None:
        query.append(("checksum", _flag_text(checksum)))
    if show_text is not None:
        query.append(("showtext", _flag_text(show_text)))
    if alt_text is not None and to_text(alt_text) != "":
        query.append(("alttext", to_text(alt_text)))
    if rotation is not None and to_text(rotation) != "":
        angle = to_int(rotation, "rotation")
        if angle not in BARCODE_ROTATIONS:
            raise FunctionError(f"the rotation must be 0, 90, 180 or 270, not {angle}")
        query.append(("rotate", angle))
    if transparent is not None:
        query.append(("transparent", _flag_text(transparent)))
    return BARCODE_SERVICE + "?" + urlencode(query)


# ---- send-time features ---------------------------------------------------------------------

ATTACHMENT_SOURCES = ("http", "ftp", "contentbuilder")


@builtin("AttachFile", min_args=2, max_args=8, category=CAT, needs_context=True,
         local="attached to the message in the local cloud's sends.",
         signature="AttachFile(sourceType, location, [fileName], [viewOnWeb], [vawpUrl], [vawpFileName], "
                   "[vawpDays], [asAttachment])")
def attach_file(ctx, source_type, location, file_name=None, view_on_web=None, vawp_url=None,
                vawp_file_name=None, vawp_days=None, as_attachment=None):
    """Attaches a file to the email being sent: an http(s) URL (through the [http] allow list), a
    contentbuilder file of the content folder (index id or key, or a path) or an ftp file of the
    workspace's ftp/ folder."""
    if ctx.kind != "email":
        raise FunctionError(f"AttachFile only works in an email send, not in {ctx.kind} content")
    source = to_text(source_type).strip().lower()
    if source not in ATTACHMENT_SOURCES:
        raise FunctionError(f"the source type must be http, ftp or contentbuilder, not '{to_text(source_type)}'")
    where = to_text(location).strip()
    if not where:
        raise FunctionError("the attachment location is empty")
    attachments = getattr(ctx.send, "attachments", None) if ctx.send is not None else None
    if attachments is None:
        raise FunctionError("AttachFile needs a running send to attach the file to")
    from ._attachments import fetch

    data, content_type, default_name = fetch(ctx, source, where)
    name = to_text(file_name).strip() if file_name is not None else ""
    attachments.append({
        "source_type": source,
        "location": where,
        "file_name": name or default_name,
        "content_type": content_type,
        "data": data,
        "view_on_web": to_bool(view_on_web),
        "vawp_url": to_text(vawp_url),
        "vawp_file_name": to_text(vawp_file_name),
        "vawp_days": to_int(vawp_days, "view-as-web-page days") if to_text(vawp_days) != "" else None,
        "as_attachment": True if as_attachment is None else to_bool(as_attachment),
    })
    return ""


_REGIONS = "content.impression_regions"


@builtin("BeginImpressionRegion", min_args=1, max_args=1, category=CAT, lazy=True,
         local="sets _ImpressionRegionName; local sends record each message's regions in the store.",
         signature="BeginImpressionRegion(regionName)")
def begin_impression_region(ctx, args):
    """Opens a named impression-tracking region (the name must be a literal); prints nothing."""
    from ..syntax.ast import Variable

    (arg,) = args
    if isinstance(arg.node, Variable):
        raise FunctionError("the region name must be a literal string, not a variable")
    name = to_text(arg.evaluate(ctx)).strip()
    if not name:
        raise FunctionError("the region name is empty")
    ctx.cache.setdefault(_REGIONS, []).append(name)
    recorded = getattr(ctx.send, "impressions", None) if ctx.send is not None else None
    if isinstance(recorded, list):  # a send records each region a subscriber's email opened
        recorded.append(name)
    return ""


@builtin("EndImpressionRegion", min_args=0, max_args=1, category=CAT, needs_context=True,
         signature="EndImpressionRegion([closeAll])")
def end_impression_region(ctx, close_all=None):
    """Closes the innermost impression region, or all of them with a true argument."""
    open_regions = ctx.cache.get(_REGIONS)
    if open_regions:
        if to_bool(close_all):
            open_regions.clear()
        else:
            open_regions.pop()
    return ""


_WAT_VALUES = "content.wat_values"


@builtin("WAT", min_args=2, max_args=None, category=CAT, needs_context=True,
         signature="WAT(paramSetKey, value1, [valueN]...)")
def wat(ctx, key, *values):
    """The Web Analytics Tracking parameter set ``key`` with its WATP(n) slots filled."""
    wanted = to_text(key).strip().lower()
    sets = ctx.settings.raw.get("wat", {})
    definition = None
    if isinstance(sets, dict):
        for name, value in sets.items():
            if str(name).lower() == wanted:
                definition = value.get("value") if isinstance(value, dict) else value
                break
    if not isinstance(definition, str):
        raise FunctionError(f"no Web Analytics Tracking parameter set '{to_text(key)}'; define it in "
                            f'ampy.toml: [wat] {to_text(key) or "name"} = "..."')
    saved = ctx.cache.get(_WAT_VALUES)
    ctx.cache[_WAT_VALUES] = [to_text(v) for v in values]
    try:
        return ctx.run_nested(definition, f"WAT parameter set {to_text(key)}")
    finally:
        ctx.cache[_WAT_VALUES] = saved


@builtin("WATP", min_args=1, max_args=1, category=CAT, needs_context=True, signature="WATP(ordinal)")
def watp(ctx, ordinal):
    """Inside a WAT parameter set: the n-th value given to WAT (1-based; '' past the end)."""
    values = ctx.cache.get(_WAT_VALUES)
    if values is None:
        raise FunctionError("WATP can only be used inside a Web Analytics Tracking parameter set")
    n = to_int(ordinal, "ordinal")
    if n < 1:
        raise FunctionError(f"the ordinal must be 1 or more, not {n}")
    return values[n - 1] if n <= len(values) else ""


@builtin("TreatAsContentArea", min_args=2, max_args=3, category=CAT, needs_context=True,
         local="in a local send the first content per key holds for the whole job (kept in the store).",
         signature="TreatAsContentArea(key, content, [impressionRegion])")
def treat_as_content_area(ctx, key, content, region=None):
    """Renders the content like TreatAsContent and registers it under the key; within one send
    the first content registered for a key is the one every later call renders."""
    name = to_text(key).strip()
    if not name:
        raise FunctionError("the content area key is empty")
    areas = getattr(ctx.send, "content_areas", None) if ctx.send is not None else None
    store = getattr(ctx.backend, "store", None)
    if isinstance(areas, dict) and store is not None and getattr(ctx.send, "job_id", None) is not None:
        # A local send: the job's registrations live in the store, shared by its worker processes.
        from ..cloud.content_areas import register

        source = areas[name.lower()] = register(store, ctx.send.job_id, name, to_text(content))
    else:
        if not isinstance(areas, dict):
            areas = ctx.cache.setdefault("content.areas", {})
        source = areas.setdefault(name.lower(), to_text(content))
    if "%%" not in source and "<script" not in source.lower():
        return source
    return ctx.run_nested(source, f"content area {name}")
