"""The WSGI application of ``ampy serve``: the Partner API and its helpers over HTTP.

Routes
    ``POST /Service.asmx``            Partner API, SOAP 1.1 (``text/xml`` + SOAPAction) and SOAP 1.2
                                      (``application/soap+xml; action=...``)
    ``GET  /etframework.wsdl``        the shipped WSDL, its service address pointing at this server
                                      (also ``GET /Service.asmx?wsdl``)
    ``POST /v2/token``                OAuth 2.0 client credentials → an expiring access token
    ``POST /api/v1/campaigns/{id}/{action}``   Volt MX Engagement campaign REST (``rest.py``)
    ``GET  /asset/v1/content/assets?$filter=customerKey eq 'KEY'``, ``GET /asset/v1/content/assets/{id}``
                                      Content Builder image assets of the workspace (``assets.py``)

Every request body is read up to ``max_body`` bytes (larger: 413, before any parsing). A SOAP
request must be ``text/xml`` or ``application/soap+xml`` (else 415 with a Client fault) and its
Body must hold exactly one operation element. SOAP bodies go through the codec's hardened parser
(no DTD, no entities, no network). Retrieve answers are sent piece by piece from their objects'
bytes (``partner.RetrievePage``), never built as one tree. The app holds no per-request state, so
waitress may run it on many threads at once.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import sys
import traceback
import uuid
from urllib.parse import parse_qs

from lxml import etree

from ..soap import codec
from ..soap.schema import WSDL_PATH
from .assets import ContentAssets
from .auth import ServerAuth
from .partner import DEFAULT_MAX_PROPERTIES, DEFAULT_MAX_RESPONSE, PartnerService, RetrievePage
from .rest import CampaignRest

DEFAULT_MAX_BODY = 4 * 1024 * 1024  # bytes; a 50-object Create is far below this

WSU_NS = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
WSA_NAMESPACES = ("http://schemas.xmlsoap.org/ws/2004/08/addressing", "http://www.w3.org/2005/08/addressing")
_ANONYMOUS = "/role/anonymous"

_CAMPAIGN_PATH = re.compile(r"^/api/v1/campaigns/([^/]+)/([^/]+)/?$")
_ASSETS_PATH = re.compile(r"^/asset/v1/content/assets/?$", re.IGNORECASE)
_ASSET_PATH = re.compile(r"^/asset/v1/content/assets/([^/]+)/?$", re.IGNORECASE)
_STATUS_TEXT = {200: "200 OK", 400: "400 Bad Request", 401: "401 Unauthorized", 404: "404 Not Found",
                405: "405 Method Not Allowed", 411: "411 Length Required", 413: "413 Payload Too Large",
                415: "415 Unsupported Media Type", 500: "500 Internal Server Error"}
# Media types of SOAP 1.1 and 1.2 messages; anything else is refused before it is parsed.
_SOAP_MEDIA_TYPES = {"text/xml": False, "application/soap+xml": True}
_STREAM_PIECE = 256 * 1024  # bytes handed to the WSGI server at a time for a large answer


class BodyTooLarge(Exception):
    pass


class BadLength(Exception):
    pass


def read_body(environ: dict, limit: int) -> bytes:
    """The request body, refusing anything over ``limit`` bytes without reading it all."""
    length_text = (environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ["wsgi.input"]
    if length_text:
        if not length_text.isdigit():
            raise BadLength(length_text)
        length = int(length_text)
        if length > limit:
            raise BodyTooLarge()
        return stream.read(length) if length else b""
    if environ.get("HTTP_TRANSFER_ENCODING", "").lower() != "chunked":
        return b""  # WSGI: no Content-Length and not chunked means no body
    data = stream.read(limit + 1)  # servers that de-chunk hand us a bounded stream
    if len(data) > limit:
        raise BodyTooLarge()
    return data


class ServerApp:
    """The WSGI callable. ``backend`` is any ``Backend`` (the local cloud for ``ampy serve``)."""

    def __init__(self, backend, auth: ServerAuth, *, max_body: int = DEFAULT_MAX_BODY,
                 public_url: str | None = None, max_response: int = DEFAULT_MAX_RESPONSE,
                 max_properties: int = DEFAULT_MAX_PROPERTIES):
        self.backend = backend
        self.auth = auth
        self.max_body = max_body
        self.public_url = public_url.rstrip("/") if public_url else None
        self.partner = PartnerService(backend, max_response=max_response, max_properties=max_properties)
        self.rest = CampaignRest(backend, auth, lock=self.partner.lock)
        self.assets = ContentAssets(backend, auth, lock=self.partner.lock)
        self._wsdl_template = WSDL_PATH.read_bytes()

    # ----------------------------------------------------------------------------- routing

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        method = environ.get("REQUEST_METHOD", "GET").upper()
        lowered = path.lower()
        try:
            if lowered == "/service.asmx":
                if method == "GET" and "wsdl" in environ.get("QUERY_STRING", "").lower():
                    return self._wsdl(environ, start_response)
                if method != "POST":
                    return self._plain(start_response, 405, "Use POST for SOAP requests.\n", allow="POST")
                return self._soap(environ, start_response)
            if lowered == "/etframework.wsdl":
                if method not in ("GET", "HEAD"):
                    return self._plain(start_response, 405, "Use GET.\n", allow="GET")
                return self._wsdl(environ, start_response)
            if lowered == "/v2/token":
                if method != "POST":
                    return self._plain(start_response, 405, "Use POST.\n", allow="POST")
                return self._token(environ, start_response)
            match = _CAMPAIGN_PATH.match(path)
            if match:
                if method != "POST":
                    return self._plain(start_response, 405, "Use POST.\n", allow="POST")
                return self._campaign(environ, start_response, match.group(1), match.group(2))
            if _ASSETS_PATH.match(path) or _ASSET_PATH.match(path):
                if method not in ("GET", "HEAD"):
                    return self._plain(start_response, 405, "Use GET.\n", allow="GET")
                return self._asset(environ, start_response, path)
            return self._plain(start_response, 404, "Not found.\n")
        except BodyTooLarge:
            return self._plain(start_response, 413, f"Request body larger than {self.max_body} bytes.\n")
        except BadLength:
            return self._plain(start_response, 400, "Invalid Content-Length.\n")

    def base_url(self, environ: dict) -> str:
        if self.public_url:
            return self.public_url
        host = environ.get("HTTP_HOST") or \
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT')}"
        return f"{environ.get('wsgi.url_scheme', 'http')}://{host}"

    # ------------------------------------------------------------------------- responses

    @staticmethod
    def _respond(start_response, status: int, body: bytes, content_type: str, **extra) -> list[bytes]:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        headers += [(name.replace("_", "-").title(), value) for name, value in extra.items()]
        start_response(_STATUS_TEXT.get(status, f"{status} Status"), headers)
        return [body]

    def _plain(self, start_response, status: int, text: str, **extra) -> list[bytes]:
        return self._respond(start_response, status, text.encode("utf-8"), "text/plain; charset=utf-8",
                             **extra)

    def _json(self, start_response, status: int, payload: dict) -> list[bytes]:
        body = json.dumps(payload, indent=2).encode("utf-8")
        return self._respond(start_response, status, body, "application/json;charset=UTF-8")

    # ------------------------------------------------------------------------------- WSDL

    def _wsdl(self, environ, start_response):
        address = self.base_url(environ) + "/Service.asmx"
        escaped = address.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        body = self._wsdl_template.replace(b'location="https://localhost/Service.asmx"',
                                           f'location="{escaped}"'.encode())
        return self._respond(start_response, 200, body, "text/xml; charset=utf-8")

    # ------------------------------------------------------------------------------ token

    def _token(self, environ, start_response):
        body = read_body(environ, self.max_body)
        content_type = environ.get("CONTENT_TYPE", "").lower()
        try:
            if "application/x-www-form-urlencoded" in content_type:
                fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
            else:
                fields = json.loads(body.decode("utf-8") or "null")
        except (ValueError, UnicodeDecodeError):
            fields = None
        if not isinstance(fields, dict):
            return self._json(start_response, 400, {
                "error": "invalid_request", "error_description": "The request body is not valid JSON."})
        if fields.get("grant_type") != "client_credentials":
            return self._json(start_response, 400, {
                "error": "unsupported_grant_type",
                "error_description": "Use client_credentials as the grant_type."})
        client_id, secret = str(fields.get("client_id") or ""), str(fields.get("client_secret") or "")
        if not client_id or not secret or not self.auth.check_client(client_id, secret):
            return self._json(start_response, 401, {
                "error": "invalid_client",
                "error_description": "Invalid client ID or secret."})
        issued = self.auth.issue_token(client_id)
        base = self.base_url(environ) + "/"
        return self._json(start_response, 200, {
            "access_token": issued.token, "token_type": "Bearer", "expires_in": self.auth.token_lifetime,
            "scope": str(fields.get("scope") or ""), "soap_instance_url": base, "rest_instance_url": base})

    # ---------------------------------------------------------------------------- REST

    def _campaign(self, environ, start_response, campaign_id: str, action: str):
        body = read_body(environ, self.max_body)
        status, payload = self.rest.handle(campaign_id, action, environ.get("HTTP_AUTHORIZATION", ""),
                                           environ.get("CONTENT_TYPE", ""), body)
        return self._json(start_response, status, payload)

    def _asset(self, environ, start_response, path: str):
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        one = _ASSET_PATH.match(path)
        if one:
            status, payload = self.assets.by_id(one.group(1), authorization)
        else:
            status, payload = self.assets.by_filter(environ.get("QUERY_STRING", ""), authorization)
        return self._json(start_response, status, payload)

    # ------------------------------------------------------------------------------ SOAP

    def _soap(self, environ, start_response):
        content_type = environ.get("CONTENT_TYPE", "")
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in _SOAP_MEDIA_TYPES:
            return self._unsupported_media_type(environ, start_response, content_type)
        soap12 = _SOAP_MEDIA_TYPES[media_type]
        action = _soap12_action(content_type) if soap12 else environ.get("HTTP_SOAPACTION")
        action = (action or "").strip().strip('"')
        if action and action not in codec.OPERATIONS:
            return self._fault(start_response, soap12, "Client", _unknown_action(action))
        body = read_body(environ, self.max_body)
        try:
            version, headers, element = codec.parse_envelope(body)
            soap12 = version == "1.2"
            if not action:  # SOAP 1.2 clients may carry the action in WS-Addressing only
                action = _wsa_text(headers, "Action")
                if action and action not in codec.OPERATIONS:
                    return self._fault(start_response, soap12, "Client", _unknown_action(action))
            operation, arguments = codec.parse_request(element)
        except codec.SoapClientError as exc:
            return self._fault(start_response, soap12, "Client", str(exc))
        if action and operation != action:
            return self._fault(start_response, soap12, "Client",
                               f"The SOAPAction {action} does not match the request element "
                               f"{etree.QName(element).localname}.")
        denied = self._authenticate(headers)
        if denied is not None:
            return self._fault(start_response, soap12, codec.SECURITY_FAULT_CODE, denied)
        try:
            response = self.partner.call(operation, arguments)
        except Exception as exc:  # noqa: BLE001 - any backend failure becomes a fault, never a crash
            code = getattr(exc, "code", None)
            if not isinstance(code, int):
                code = 2
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            if not _is_expected(exc):
                traceback.print_exc(file=environ.get("wsgi.errors", sys.stderr))
                message = "An unexpected error occurred."
            return self._fault(start_response, soap12, "Server", message, detail_code=code,
                               detail_message=message)
        if isinstance(response, RetrievePage):
            return self._stream_retrieve(start_response, response, soap12, _addressing_headers(headers, operation))
        reply = codec.envelope(response, soap12=soap12, headers=_addressing_headers(headers, operation))
        return self._respond(start_response, 200, codec.to_bytes(reply), _content_type(soap12))

    @staticmethod
    def _stream_retrieve(start_response, page: RetrievePage, soap12: bool, headers: list):
        """A Retrieve answer sent piece by piece from its objects' bytes; its length is known
        up front, so it still carries a Content-Length."""
        head, tail = codec.retrieve_envelope_parts(overall_status=page.overall_status,
                                                   request_id=page.request_id, soap12=soap12, headers=headers)
        length = len(head) + page.size + len(tail)
        start_response(_STATUS_TEXT[200], [("Content-Type", _content_type(soap12)), ("Content-Length", str(length))])
        return _pieces(head, page.results, tail)

    def _unsupported_media_type(self, environ, start_response, content_type: str) -> list[bytes]:
        """415 with a SOAP fault, worded as .NET's SOAP stack words it; the fault is SOAP 1.2
        when the body is a SOAP 1.2 envelope, else SOAP 1.1."""
        try:
            soap12 = codec.parse_envelope(read_body(environ, self.max_body))[0] == "1.2"
        except codec.SoapClientError:
            soap12 = False
        shown = "".join(c if c.isprintable() else "?" for c in content_type[:200])  # XML-safe text
        message = (f"Cannot process the message because the content type '{shown}' was not the "
                   f"expected type '{_content_type(soap12)}'.")
        body = codec.to_bytes(codec.fault("Client", message, soap12=soap12))
        return self._respond(start_response, 415, body, _content_type(soap12))

    def _authenticate(self, headers: list) -> str | None:
        """None when the request's credentials are good, else the fault string."""
        token = codec.fueloauth_token(headers)
        if token is not None:
            status = self.auth.token_status(token)
            return None if status == "valid" else "Token Expired" if status == "expired" else "Login failed"
        username, password = _username_token(headers)
        if username is not None and password is not None and self.auth.check_user(username, password):
            return None
        return "Login failed"

    def _fault(self, start_response, soap12: bool, code: str, string: str, **detail) -> list[bytes]:
        body = codec.to_bytes(codec.fault(code, string, soap12=soap12, **detail))
        # SOAP 1.1 answers every fault with 500; SOAP 1.2 tells sender faults (400) apart.
        status = 400 if soap12 and code in ("Client", codec.SECURITY_FAULT_CODE) else 500
        return self._respond(start_response, status, body, _content_type(soap12))


# ------------------------------------------------------------------------------ helpers


def _pieces(head: bytes, chunks: list[bytes], tail: bytes):
    """``head``, the chunks and ``tail`` regrouped into pieces of about ``_STREAM_PIECE`` bytes."""
    piece, size = [head], len(head)
    for chunk in chunks:
        if size >= _STREAM_PIECE:
            yield b"".join(piece)
            piece, size = [], 0
        piece.append(chunk)
        size += len(chunk)
    piece.append(tail)
    yield b"".join(piece)


def _is_expected(exc: Exception) -> bool:
    """Errors a backend raises on purpose (their message is meant for the caller)."""
    from ..errors import AmpscriptError, FunctionError

    return isinstance(exc, FunctionError | AmpscriptError) or hasattr(exc, "code")


def _unknown_action(action: str) -> str:
    return f"Server did not recognize the value of HTTP Header SOAPAction: {action}."


def _content_type(soap12: bool) -> str:
    return "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"


def _soap12_action(content_type: str) -> str | None:
    match = re.search(r';\s*action\s*=\s*"?([^";]*)"?', content_type, re.IGNORECASE)
    return match.group(1) if match else None


def _wsa_text(headers: list, local: str) -> str | None:
    for header in headers:
        qname = etree.QName(header)
        if qname.localname == local and qname.namespace in WSA_NAMESPACES:
            return (header.text or "").strip()
    return None


def _username_token(headers: list) -> tuple[str | None, str | None]:
    for header in headers:
        if header.tag != f"{{{codec.WSSE_NS}}}Security":
            continue
        token = header.find(f"{{{codec.WSSE_NS}}}UsernameToken")
        if token is None:
            continue
        password = token.find(f"{{{codec.WSSE_NS}}}Password")
        if password is not None and not password.get("Type", "#PasswordText").endswith("#PasswordText"):
            return None, None  # digests would need the clear password stored; only PasswordText is taken
        return (token.findtext(f"{{{codec.WSSE_NS}}}Username"),
                password.text if password is not None else None)
    return None, None


def _addressing_headers(request_headers: list, operation: str) -> list:
    """WS-Addressing and a WS-Security timestamp for requests that used WS-Addressing (seed 002)."""
    namespace = next((etree.QName(h).namespace for h in request_headers
                      if etree.QName(h).namespace in WSA_NAMESPACES), None)
    if namespace is None:
        return []

    def element(parent, ns, local, text=None, nsmap=None):
        child = etree.Element(f"{{{ns}}}{local}", nsmap=nsmap) if parent is None else \
            etree.SubElement(parent, f"{{{ns}}}{local}")
        child.text = text
        return child

    wsa = {"wsa": namespace}
    headers = [element(None, namespace, "Action", f"{operation}Response", wsa),
               element(None, namespace, "MessageID", f"urn:uuid:{uuid.uuid4()}", wsa)]
    message_id = _wsa_text(request_headers, "MessageID")
    if message_id:
        headers.append(element(None, namespace, "RelatesTo", message_id, wsa))
    anonymous = namespace + _ANONYMOUS if "2004/08" in namespace else namespace + "/anonymous"
    headers.append(element(None, namespace, "To", anonymous, wsa))
    security = element(None, codec.WSSE_NS, "Security", nsmap={"wsse": codec.WSSE_NS, "wsu": WSU_NS})
    stamp = element(security, WSU_NS, "Timestamp")
    stamp.set(f"{{{WSU_NS}}}Id", f"Timestamp-{uuid.uuid4()}")
    now = _dt.datetime.now(_dt.UTC).replace(microsecond=0)
    element(stamp, WSU_NS, "Created", now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    element(stamp, WSU_NS, "Expires", (now + _dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    headers.append(security)
    return headers
