"""The ``soap`` backend: a real Marketing Cloud tenant (or ``ampy serve``) over the Partner API.

API verbs go to the matching operation as they are. Data-extension functions become
DataExtensionObject calls, so a template's lookups and writes work against a tenant:

- Lookup* — Retrieve ``DataExtensionObject[<DE name>]`` with an AND of ``equals`` filters (``isNull``
  for a null value), every page; ordering, case-sensitive matching and limits are applied here
  (the API neither sorts nor compares case-sensitively).
- Insert* — Create; Update*/Delete* — a Retrieve of the matching rows, then Update/Delete by each
  row's primary key (or by the search pairs for a DE without one); Upsert* — Update when rows
  match, else Create. Counts are the matched rows, as the local cloud reports them.
- DataExtensionRowCount — a paged Retrieve of one column.
- ClaimRow — a Retrieve of the row the claimant already holds (claimant and extra pairs equal);
  else of the free rows (claimed column null, '', false or 0), then an Update of the first by its
  primary key that marks it claimed and stamps the claimant, and a Retrieve by that key to check
  the claimant holds it (another claimant that won the row sends it on to the next free one).
- ExecuteFilter — a Retrieve of the ``FilterDefinition`` (CustomerKey, else Name) with its
  DataSource and DataFilter, then a Retrieve of the data extension's rows with the DataFilter as the
  filter; ordering and limits are applied here.
- ContentImageByKey/ByID — Content Builder images are REST assets the Partner API does not serve:
  they come from the tenant's Content Builder REST API at the ``rest_instance_url`` of the OAuth
  token answer, with the same bearer token: by key ``GET asset/v1/content/assets?$filter=
  customerKey eq 'KEY'`` (the first item), by ID ``GET asset/v1/content/assets/{id}``. The asset's
  ``fileProperties.publishedURL`` is the image URL, its ``name`` the title and a non-empty
  ``description`` the alt text (else the title). No such asset (an empty list, 404, an asset without
  a published URL, a non-numeric ID) is no image. Without a REST instance URL — the legacy
  WS-Security login, or a token answer that names none — images come from the workspace as content
  blocks do (``content/images/``, ``ampy.cloud.images``).

Faults of API verbs become an ``Error: <message>`` overall status (the script sees the Error
status); faults of data-extension functions, failed logins and unreachable servers raise a
``BackendError`` with the fault message (a script runtime error at the call); so do unreachable REST
hosts and REST answers other than 200/404 for images.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from ..api.model import ApiObject, as_items
from ..runtime.values import to_db_text
from ..soap import codec
from ..soap.auth import OAuthSession, TenantCredentials, UsernameTokenLogin, load_credentials
from ..soap.client import DEFAULT_TIMEOUT, PartnerClient, SoapFault
from .base import ApiResponse, ApiResult, Backend, BackendError, Pairs, Row, declared_relationships

BATCH = 50   # objects per synchronous Create/Update/Delete call (the service's limit)


@dataclass
class _DataExtension:
    name: str
    customer_key: str
    columns: list[str]
    primary_keys: list[str]

    def column(self, name: str) -> str:
        low = name.lower()
        for column in self.columns:
            if column.lower() == low:
                return column
        raise BackendError(f"Data extension '{self.name}' has no column '{name}'")


def _simple(prop: str, operator: str, *values: str) -> ApiObject:
    part = ApiObject("SimpleFilterPart", {"Property": prop, "SimpleOperator": operator})
    if values:
        part.properties["Value"] = list(values)
    return part


def _and(parts: list[ApiObject]) -> ApiObject | None:
    """Filter parts joined by AND (nested left-deep: the form every service version accepts)."""
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined = ApiObject("ComplexFilterPart", {"LeftOperand": combined, "LogicalOperator": "AND",
                                                   "RightOperand": part})
    return combined


def _or(parts: list[ApiObject]) -> ApiObject:
    """Filter parts joined by OR, nested left-deep as ``_and``."""
    combined = parts[0]
    for part in parts[1:]:
        combined = ApiObject("ComplexFilterPart", {"LeftOperand": combined, "LogicalOperator": "OR",
                                                   "RightOperand": part})
    return combined


def _api_properties(pairs: Sequence[tuple[str, object]]) -> list[ApiObject]:
    return [ApiObject("APIProperty", {"Name": name, "Value": to_db_text(value)}) for name, value in pairs]


def _result(obj: object) -> ApiResult | object:
    """A wire result object as the backend protocol's ``ApiResult`` (others pass through)."""
    if not isinstance(obj, ApiObject) or obj.type not in ("CreateResult", "UpdateResult", "DeleteResult",
                                                          "PerformResult", "ConfigureResult", "ExtractResult"):
        return obj
    task = obj.get("Task")
    new_id = obj.get("NewID")
    error_code = obj.get("ErrorCode")
    return ApiResult(
        status_code=str(obj.get("StatusCode") or ""), status_message=str(obj.get("StatusMessage") or ""),
        error_code=int(error_code) if str(error_code or "").lstrip("-").isdigit() else 0,
        object=obj.get("Object") if isinstance(obj.get("Object"), ApiObject) else None,
        new_id=int(new_id) if str(new_id or "").lstrip("-").isdigit() else None,
        new_object_id=obj.get("NewObjectID") or None,
        task=dict(task.properties) if isinstance(task, ApiObject) else None)


def _with_null_values(obj: object) -> object:
    """A name/value pair whose ``<Value>`` element was absent is a NULL (the service writes
    ``<Value/>`` for ''): give it ``Value`` None, so a script reading the pair finds the field,
    null, as it does on the local cloud."""
    if isinstance(obj, list):
        for item in obj:
            _with_null_values(item)
    elif isinstance(obj, ApiObject):
        if obj.type == "APIProperty" and "Name" in obj.properties and obj.get("Value") is None:
            obj.properties.setdefault("Value", None)
        for value in obj.properties.values():
            _with_null_values(value)
    return obj


def _image_record(asset: dict) -> dict | None:
    """A Content Builder asset as the image record ``content_image`` returns (``ampy.cloud.images``
    keys): None when it has no published URL (not an image)."""
    files = asset.get("fileProperties")
    url = files.get("publishedURL") if isinstance(files, dict) else None
    if not url:
        return None
    key = str(asset.get("customerKey") or "")
    record = {"key": key, "title": str(asset.get("name") or key)}
    if isinstance(files, dict) and files.get("fileName"):
        record["file"] = str(files["fileName"])
    record["url"] = str(url)
    if asset.get("description"):
        record["alt"] = str(asset["description"])
    if asset.get("id") is not None:
        record["id"] = str(asset["id"])
    return record


def _rest_reason(reply) -> str:
    """The message of a REST error answer (``message``, ``error_description`` or ``error``), if any."""
    try:
        data = reply.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    message = data.get("message") or data.get("error_description") or data.get("error")
    return f" ({message})" if isinstance(message, str) and message else ""


def _fold_key(value: object) -> tuple:
    """Sort key of the local cloud: nulls first, then text compared case-insensitively."""
    return (0, "") if value is None else (1, str(value).lower())


class SoapBackend(Backend):
    name = "soap"

    def __init__(self, client: PartnerClient, *, workspace: str | None = None,
                 content_dir: str | None = None):
        from .local import ContentFolder

        self.client = client
        self.workspace = workspace
        # Content blocks are Content Builder assets (REST, not the Partner API): they come from
        # the workspace's content folder, deployed alongside the templates.
        if content_dir is None and workspace:
            content_dir = os.path.join(workspace, "content")
        self.content = ContentFolder(content_dir)
        self._des: dict[str, _DataExtension] = {}
        self._images = None   # ContentImages of the workspace, made on first use
        self._relationships: list[dict] | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------------ construction

    @classmethod
    def from_profile(cls, profile: str | None = None, workspace: str | None = None) -> SoapBackend:
        """A backend for a tenant profile (environment or credentials file, see ``ampy.soap.auth``)."""
        return cls.from_credentials(load_credentials(profile, workspace=workspace), workspace=workspace)

    @classmethod
    def from_credentials(cls, creds: TenantCredentials, *, workspace: str | None = None,
                         content_dir: str | None = None, **client_options) -> SoapBackend:
        timeout = creds.timeout or client_options.pop("timeout", DEFAULT_TIMEOUT)
        from ..soap.client import shared_zeep_client

        http = shared_zeep_client(timeout).transport.session
        if creds.uses_oauth:
            login = OAuthSession(creds, http, timeout=timeout)
        else:
            login = UsernameTokenLogin(creds.username or "", creds.password or "")
        client = PartnerClient(creds.endpoint, login, timeout=timeout, **client_options)
        return cls(client, workspace=workspace, content_dir=content_dir)

    # -------------------------------------------------------------------------- plumbing

    def _call(self, operation: str, body) -> ApiObject:
        return self.client.call(operation, body)

    def _verb(self, operation: str, body) -> ApiResponse:
        """One call of an API verb; a fault becomes an ``Error: <message>`` status."""
        try:
            response = self._call(operation, body)
        except SoapFault as fault:
            if fault.is_security:
                raise
            return ApiResponse(overall_status=f"Error: {fault}")
        results = [_result(_with_null_values(r)) for r in as_items(response.get(
            "Results" if operation != "Describe" else "ObjectDefinition"))]
        return ApiResponse(overall_status=str(response.get("OverallStatus") or "OK"),
                           request_id=str(response.get("RequestID") or ""), results=results,
                           overall_status_message=str(response.get("OverallStatusMessage") or ""))

    def _objects_verb(self, operation: str, objects: list[ApiObject],
                      options: ApiObject | None) -> ApiResponse:
        """Create/Update/Delete in batches of 50; statuses merged (all OK → OK, else Has Errors)."""
        if operation in ("Create", "Update", "Delete") and any(
                o.type.lower() in ("dataextension", "dataextensionfield") for o in objects):
            with self._lock:
                self._des.clear()   # a changed DE schema must be read again
        batches = [objects[i:i + BATCH] for i in range(0, max(len(objects), 1), BATCH)]
        answers = [self._verb(operation, codec.build_request(operation, options=options, objects=batch))
                   for batch in batches]
        if len(answers) == 1:
            return answers[0]
        statuses = {a.overall_status for a in answers}
        return ApiResponse(overall_status="OK" if statuses == {"OK"} else "Has Errors",
                           request_id=answers[-1].request_id, results=[r for a in answers for r in a.results])

    # ------------------------------------------------------------------------- API verbs

    def api_create(self, objects, options=None) -> ApiResponse:
        return self._objects_verb("Create", list(objects), options)

    def api_update(self, objects, options=None) -> ApiResponse:
        return self._objects_verb("Update", list(objects), options)

    def api_delete(self, objects, options=None) -> ApiResponse:
        return self._objects_verb("Delete", list(objects), options)

    def api_retrieve(self, request: ApiObject) -> ApiResponse:
        return self._verb("Retrieve", codec.build_request("Retrieve", request=request))

    def api_perform(self, action, definitions, options=None) -> ApiResponse:
        return self._verb("Perform", codec.build_request("Perform", options=options, action=action,
                                                         objects=list(definitions)))

    def api_configure(self, action, configurations, options=None) -> ApiResponse:
        return self._verb("Configure", codec.build_request("Configure", options=options, action=action,
                                                           objects=list(configurations)))

    def api_execute(self, requests) -> ApiResponse:
        return self._verb("Execute", codec.build_request("Execute", requests=list(requests)))

    def api_extract(self, requests) -> ApiResponse:
        return self._verb("Extract", codec.build_request("Extract", requests=list(requests)))

    def api_describe(self, object_types) -> ApiResponse:
        requests = [ApiObject("ObjectDefinitionRequest", {"ObjectType": t}) for t in object_types]
        return self._verb("Describe", codec.build_request("Describe", requests=requests))

    # ----------------------------------------------------------------- data extensions

    def _retrieve_all(self, object_type: str, properties: list[str], filt: ApiObject | None,
                      limit: int | None = None) -> list[ApiObject]:
        """Every page of a Retrieve (ContinueRequest = the previous RequestID); faults raise."""
        request = ApiObject("RetrieveRequest", {"ObjectType": object_type, "Properties": properties})
        if filt is not None:
            request.properties["Filter"] = filt
        results: list[ApiObject] = []
        while True:
            response = self._call("Retrieve", codec.build_request("Retrieve", request=request))
            status = str(response.get("OverallStatus") or "")
            if not status.startswith(("OK", "MoreDataAvailable")):
                raise BackendError(status.partition(":")[2].strip() or status)
            results.extend(r for r in as_items(response.get("Results")) if isinstance(r, ApiObject))
            if not status.startswith("MoreDataAvailable") or (limit is not None and len(results) >= limit):
                return results
            request = ApiObject("RetrieveRequest", {"ObjectType": object_type,
                                                    "ContinueRequest": response.get("RequestID")})

    def _data_extension(self, ref: str) -> _DataExtension:
        key = ref.strip().lower()
        with self._lock:
            known = self._des.get(key)
        if known is not None:
            return known
        found = self._retrieve_all("DataExtension", ["CustomerKey", "Name"], ApiObject("ComplexFilterPart", {
            "LeftOperand": _simple("Name", "equals", ref.strip()), "LogicalOperator": "OR",
            "RightOperand": _simple("CustomerKey", "equals", ref.strip())}))
        if not found:
            raise BackendError(f"Data extension '{ref}' does not exist")
        by_name = [d for d in found if str(d.get("Name") or "").lower() == key]
        de = (by_name or found)[0]
        customer_key = str(de.get("CustomerKey") or de.get("Name"))
        fields = self._retrieve_all("DataExtensionField", ["Name", "Ordinal", "IsPrimaryKey"],
                                    _simple("DataExtension.CustomerKey", "equals", customer_key))
        fields.sort(key=lambda f: int(f.get("Ordinal")) if str(f.get("Ordinal") or "").isdigit() else 0)
        info = _DataExtension(str(de.get("Name") or customer_key), customer_key,
                              [str(f.get("Name")) for f in fields],
                              [str(f.get("Name")) for f in fields
                               if str(f.get("IsPrimaryKey")).lower() == "true"])
        with self._lock:
            self._des[key] = info
        return info

    def _filter(self, de: _DataExtension, filters: Pairs) -> ApiObject | None:
        parts = []
        for column, value in filters:
            text = to_db_text(value)
            name = de.column(column)
            parts.append(_simple(name, "isNull") if text is None else _simple(name, "equals", text))
        return _and(parts)

    def _rows(self, de: _DataExtension, filters: Pairs, limit: int | None = None) -> list[Row]:
        found = self._retrieve_all(f"DataExtensionObject[{de.name}]", list(de.columns),
                                   self._filter(de, filters), limit)
        rows = []
        for obj in found:
            values = {str(p.get("Name")).lower(): p.get("Value")
                      for p in as_items(obj.get("Properties")) if isinstance(p, ApiObject)}
            rows.append({column: values.get(column.lower()) for column in de.columns})
        return rows

    def _write_objects(self, operation: str, objects: list[ApiObject]) -> None:
        options = ApiObject(f"{operation}Options")
        for start in range(0, len(objects), BATCH):
            body = codec.build_request(operation, options=options, objects=objects[start:start + BATCH])
            response = self._call(operation, body)
            for result in as_items(response.get("Results")):
                if isinstance(result, ApiObject) and str(result.get("StatusCode")) != "OK":
                    raise BackendError(str(result.get("StatusMessage") or f"{operation} failed"))
            status = str(response.get("OverallStatus") or "OK")
            if status.startswith("Error"):
                raise BackendError(status.partition(":")[2].strip() or status)

    def _row_object(self, de: _DataExtension, keys: Pairs, values: Pairs) -> ApiObject:
        props: dict[str, object] = {"CustomerKey": de.customer_key}
        if keys:
            props["Keys"] = _api_properties([(de.column(c), v) for c, v in keys])
        props["Properties"] = _api_properties([(de.column(c), v) for c, v in values])
        return ApiObject("DataExtensionObject", props)

    def _targets(self, de: _DataExtension, filters: Pairs) -> tuple[list[Row], list[list]]:
        """The rows a search matches, and the Keys addressing each (its primary key values; the
        search pairs themselves for a DE without a primary key, one call for all rows)."""
        rows = self._rows(de, filters)
        if not rows:
            return rows, []
        if de.primary_keys:
            return rows, [[(k, row[k]) for k in de.primary_keys] for row in rows]
        return rows, [[(de.column(c), v) for c, v in filters]]

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except SoapFault as fault:
            raise BackendError(str(fault)) from None

    def lookup(self, de: str, filters: Pairs, *, case_sensitive: bool = False,
               order_by: Sequence[tuple[str, bool]] = (), limit: int | None = None) -> list[Row]:
        return self._guard(self._lookup, de, filters, case_sensitive, order_by, limit)

    def _lookup(self, de_name, filters, case_sensitive, order_by, limit) -> list[Row]:
        de = self._data_extension(de_name)
        order = [(de.column(c), desc) for c, desc in order_by]
        rows = self._rows(de, filters, None if (order or case_sensitive) else limit)
        if case_sensitive:
            wanted = [(de.column(c), to_db_text(v)) for c, v in filters]
            rows = [r for r in rows if all(r[c] == v for c, v in wanted)]
        for column, descending in reversed(order):   # stable sorts, last key first
            rows.sort(key=lambda r, c=column: _fold_key(r[c]), reverse=descending)
        return rows if limit is None else rows[:limit]

    def insert_row(self, de: str, values: Pairs) -> int:
        def run():
            info = self._data_extension(de)
            self._write_objects("Create", [self._row_object(info, (), values)])
            return 1
        return self._guard(run)

    def update_rows(self, de: str, keys: Pairs, values: Pairs) -> int:
        def run():
            info = self._data_extension(de)
            rows, addresses = self._targets(info, keys)
            self._write_objects("Update", [self._row_object(info, a, values) for a in addresses])
            return len(rows)
        return self._guard(run)

    def upsert_row(self, de: str, keys: Pairs, values: Pairs) -> int:
        def run():
            info = self._data_extension(de)
            rows, addresses = self._targets(info, keys)
            if rows:
                self._write_objects("Update", [self._row_object(info, a, values) for a in addresses])
                return len(rows)
            set_columns = {info.column(c).lower() for c, _ in values}
            merged = [(c, v) for c, v in keys if info.column(c).lower() not in set_columns] + list(values)
            self._write_objects("Create", [self._row_object(info, (), merged)])
            return 1
        return self._guard(run)

    def delete_rows(self, de: str, filters: Pairs) -> int:
        def run():
            info = self._data_extension(de)
            rows, addresses = self._targets(info, filters)
            objects = [ApiObject("DataExtensionObject", {
                "CustomerKey": info.customer_key,
                "Keys": [ApiObject("APIProperty", {"Name": c, "Value": to_db_text(v)}) for c, v in a]})
                for a in addresses]
            self._write_objects("Delete", objects)
            return len(rows)
        return self._guard(run)

    def row_count(self, de: str) -> int:
        def run():
            info = self._data_extension(de)
            first = info.columns[:1]
            return len(self._retrieve_all(f"DataExtensionObject[{info.name}]", first, None))
        return self._guard(run)

    def claim_row(self, de: str, claimed_column: str, claimant_column: str, claimant_value: object,
                  claimant_pairs: Pairs) -> Row | None:
        return self._guard(self._claim_row, de, claimed_column, claimant_column, claimant_value, claimant_pairs)

    def _claim_row(self, de_name, claimed_column, claimant_column, claimant_value, claimant_pairs) -> Row | None:
        de = self._data_extension(de_name)
        claimed = de.column(claimed_column)
        identity = [(de.column(claimant_column), claimant_value)] + [(de.column(c), v) for c, v in claimant_pairs]
        held = self._rows(de, identity, 1)
        if held:
            return held[0]
        if not de.primary_keys:
            raise BackendError(f"ClaimRow needs a primary key on the data extension '{de.name}' to update "
                               "the claimed row by")
        free = _or([_simple(claimed, "isNull"), _simple(claimed, "equals", ""), _simple(claimed, "equals", "False"),
                    _simple(claimed, "equals", "false"), _simple(claimed, "equals", "0")])
        candidates = self._retrieve_all(f"DataExtensionObject[{de.name}]", list(de.columns), free)
        for obj in candidates:
            row = self._row_of(de, obj)
            keys = [(k, row[k]) for k in de.primary_keys]
            self._write_objects("Update", [self._row_object(de, keys, [(claimed, "True")] + identity)])
            again = self._rows(de, keys, 1)
            if again and all(to_db_text(again[0][c]) == to_db_text(v) for c, v in identity):
                return again[0]
        return None

    def execute_filter(self, filter_key: str, *, order_by: Sequence[tuple[str, bool]] = (),
                       limit: int | None = None) -> list[Row]:
        return self._guard(self._execute_filter, filter_key, order_by, limit)

    def _execute_filter(self, key, order_by, limit) -> list[Row]:
        props = ["CustomerKey", "Name", "DataSource", "DataFilter"]
        found = self._retrieve_all("FilterDefinition", props, _simple("CustomerKey", "equals", key)) or \
            self._retrieve_all("FilterDefinition", props, _simple("Name", "equals", key))
        if not found:
            raise BackendError(f"Data filter '{key}' does not exist")
        definition = found[0]
        source = definition.get("DataSource")
        ref = ""
        if isinstance(source, ApiObject):
            ref = str(source.get("CustomerKey") or source.get("Name") or "")
            if not ref and source.get("ObjectID"):
                des = self._retrieve_all("DataExtension", ["CustomerKey", "Name"],
                                         _simple("ObjectID", "equals", str(source.get("ObjectID"))))
                ref = str(des[0].get("CustomerKey") or des[0].get("Name")) if des else ""
        if not ref:
            raise BackendError(f"Data filter '{key}' has no data extension as its source")
        de = self._data_extension(ref)
        data_filter = definition.get("DataFilter")
        found_rows = self._retrieve_all(f"DataExtensionObject[{de.name}]", list(de.columns),
                                        data_filter if isinstance(data_filter, ApiObject) else None)
        rows = [self._row_of(de, obj) for obj in found_rows]
        for column, descending in reversed([(de.column(c), d) for c, d in order_by]):
            rows.sort(key=lambda r, c=column: _fold_key(r[c]), reverse=descending)
        return rows if limit is None else rows[:limit]

    @staticmethod
    def _row_of(de: _DataExtension, obj: ApiObject) -> Row:
        values = {str(p.get("Name")).lower(): p.get("Value")
                  for p in as_items(obj.get("Properties")) if isinstance(p, ApiObject)}
        return {column: values.get(column.lower()) for column in de.columns}

    def relationships(self) -> list[dict]:
        """The Partner API carries no data relationships: the ``[[relationships]]`` of the
        workspace's ampy.toml declare them (none without a workspace)."""
        if self._relationships is None:
            from ..settings import load_settings

            try:
                settings = load_settings(os.path.join(self.workspace, "ampy.toml")) if self.workspace else None
            except ValueError as e:
                raise BackendError(str(e)) from None
            self._relationships = declared_relationships(settings)
        return self._relationships

    def content_block(self, *, key: str | None = None, name: str | None = None,
                      id: str | None = None) -> str | None:
        if key is not None:  # the local content folder's rules (ampy.cloud.content_index)
            return self.content.find_key(key)
        return self.content.find_id(id) if id is not None else self.content.find(name or "")

    def content_image(self, *, key: str | None = None, id: str | None = None) -> dict | None:
        """An image by key or ID: a Content Builder REST asset of the tenant, else (no REST
        instance URL known) an image of the workspace (see the module docstring)."""
        rest = self._rest_instance_url()
        if rest is None:
            return self._workspace_image(key=key, id=id)
        if key is not None:
            odata = "customerKey eq '{}'".format(str(key).replace("'", "''"))
            answer = self._rest_get(rest, "asset/v1/content/assets?$filter=" + quote(odata, safe="'"))
            items = answer.get("items") if isinstance(answer, dict) else None
            asset = items[0] if isinstance(items, list) and items else None
        else:
            try:   # IDs match as numbers, as locally (ampy.cloud.images)
                number = int(str(id or "").strip())
            except ValueError:
                return None
            if number < 0:
                return None
            asset = self._rest_get(rest, f"asset/v1/content/assets/{number}")
        return _image_record(asset) if isinstance(asset, dict) else None

    def _rest_instance_url(self) -> str | None:
        """The tenant's REST base URL from the OAuth token answer; None without OAuth or without one."""
        login = self.client.login
        if not hasattr(login, "token"):
            return None
        login.token()   # the first token answer tells the instance URLs
        url = getattr(login, "rest_instance_url", None)
        return url.rstrip("/") + "/" if url else None

    def _rest_get(self, base: str, path: str) -> object:
        """The JSON of a GET with the bearer token (one retry with a new token after a 401);
        None for 404; any other failure is a ``BackendError``."""
        import requests

        from ..soap.reasons import network_reason

        url = base + path
        login = self.client.login
        for attempt in (1, 2):
            token = login.token()
            try:
                reply = self.client.http.get(url, headers={"Authorization": f"Bearer {token}",
                                                           "Accept": "application/json"},
                                             timeout=self.client.timeout)
            except requests.RequestException as exc:
                raise BackendError(f"Content Builder request to {url} failed: {network_reason(exc)}") from None
            if reply.status_code == 401 and attempt == 1:
                login.invalidate(token)
                continue
            break
        if reply.status_code == 404:
            return None
        if reply.status_code != 200:
            raise BackendError(f"Content Builder request to {url} failed: HTTP {reply.status_code}"
                               f"{_rest_reason(reply)}")
        try:
            return reply.json()
        except ValueError:
            raise BackendError(f"Content Builder request to {url} failed: the answer is not JSON") from None

    def _workspace_image(self, *, key: str | None = None, id: str | None = None) -> dict | None:
        """A workspace image by key or ID (``content/images/``, ``ampy.cloud.images``)."""
        from ..cloud.images import ContentImages, ImageError

        if self._images is None:
            if not self.content.path:
                return None
            from ..settings import DEFAULT_SETTINGS, load_settings

            settings = DEFAULT_SETTINGS
            if self.workspace:
                try:
                    settings = load_settings(os.path.join(self.workspace, "ampy.toml"))
                except ValueError as e:
                    raise BackendError(str(e)) from None
            account = settings.raw.get("account", {}) if isinstance(settings.raw, dict) else {}
            self._images = ContentImages(os.path.join(self.content.path, "images"), member_id=settings.member_id,
                                         stack=account.get("stack", 1))
        try:
            return self._images.by_key(key) if key is not None else self._images.by_id(id or "")
        except ImageError as e:
            raise BackendError(str(e)) from None

    def close(self) -> None:
        """The zeep client and its HTTP session are shared by the process; nothing to release."""
