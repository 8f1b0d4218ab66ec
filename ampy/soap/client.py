"""The Partner API client: zeep's transport and binding, ampy's codec for the messages.

zeep is built once per process from the shipped WSDL (never from the network) and supplies the
HTTP transport (a pooled ``requests`` session with connect and operation timeouts) and each
operation's SOAPAction. The messages themselves are written and read by ``ampy.soap.codec``:
AMPscript scripts name properties in any case and use object types the WSDL lacks, and the real
service answers with types zeep's WSDL lacks (AsyncActivityStatus, ...) — the codec handles all
of that, zeep would refuse it.

Reliability rules (partner-api.md): every call has a timeout; Retrieve and Describe are retried
with exponential backoff on connection failures, timeouts and 502/503/504; any operation is
retried when the request provably never left (the connection could not be opened); a
``Token Expired`` fault fetches a new token and retries once. Create/Update/Delete/Perform are
never blindly retried.
"""

from __future__ import annotations

import copy
import functools
import threading
import time
from collections.abc import Callable

from lxml import etree

from ..api.model import ApiObject
from ..backends.base import BackendError
from . import codec
from .auth import soap_endpoint
from .schema import WSDL_PATH

IDEMPOTENT = frozenset({"Retrieve", "Describe"})
DEFAULT_TIMEOUT = 60.0           # seconds per operation
CONNECT_TIMEOUT = 10.0
_RETRY_STATUSES = frozenset({502, 503, 504})


class SoapFault(BackendError):
    """The server answered with a SOAP fault; ``info`` has the code, string and apifault detail."""

    def __init__(self, info: codec.FaultInfo):
        message = info.detail_message or info.string or "SOAP fault"
        if info.detail_message and info.string and info.string not in info.detail_message:
            message = f"{info.string}: {info.detail_message}"
        super().__init__(message)
        self.info = info

    @property
    def is_security(self) -> bool:
        return self.info.code == codec.SECURITY_FAULT_CODE or self.info.string in ("Login failed",
                                                                                   "Token Expired")


class SoapTransportError(BackendError):
    """The server could not be reached or answered with something that is not SOAP."""


@functools.cache
def shared_zeep_client(operation_timeout: float = DEFAULT_TIMEOUT):
    """One zeep client per process (and per timeout): the WSDL is parsed once, the HTTP
    session pooled across calls and tenants."""
    import zeep
    from zeep.transports import Transport

    class LocalOnlyTransport(Transport):
        def load(self, url):
            if "://" in url and not url.startswith("file://"):
                raise SoapTransportError(f"refusing to download {url}: the WSDL is shipped with ampy")
            return super().load(url)

    transport = LocalOnlyTransport(timeout=CONNECT_TIMEOUT, operation_timeout=operation_timeout)
    return zeep.Client(str(WSDL_PATH), transport=transport)


def _never_sent(exc: Exception) -> bool:
    """True when the connection could not be opened, so the server never saw the request."""
    import requests

    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    if not isinstance(exc, requests.exceptions.ConnectionError):
        return False
    text = repr(exc.args[0]) if exc.args else ""
    return "NewConnectionError" in text or "Failed to establish a new connection" in text \
        or "NameResolutionError" in text


class PartnerClient:
    """Calls Partner API operations on one endpoint with one login (thread-safe)."""

    def __init__(self, endpoint: str | None, login, *, timeout: float = DEFAULT_TIMEOUT, retries: int = 3,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep):
        self.login = login               # OAuthSession or UsernameTokenLogin: headers(), invalidate()
        self._endpoint = endpoint
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.zeep = shared_zeep_client(timeout)
        self._lock = threading.Lock()

    @property
    def http(self):
        return self.zeep.transport.session

    @property
    def endpoint(self) -> str:
        if self._endpoint:
            return self._endpoint
        # OAuth tells where the tenant's SOAP endpoint is; fetching a token learns it.
        self.login.headers()
        instance = getattr(self.login, "soap_instance_url", None)
        if not instance:
            raise SoapTransportError("no SOAP endpoint: configure soap_url or a subdomain")
        with self._lock:
            self._endpoint = soap_endpoint(instance)
        return self._endpoint

    def soap_action(self, operation: str) -> str:
        binding = self.zeep.wsdl.services["PartnerAPI"].ports["Soap"].binding
        return binding.get(operation).soapaction

    def call(self, operation: str, body: etree._Element) -> ApiObject:
        """Send one request element; the parsed response (``codec.parse_response``). Raises
        ``SoapFault`` for faults, ``SoapTransportError`` when no SOAP answer came back."""
        attempt = 0
        refreshed = False
        while True:
            headers = self.login.headers()
            token = codec.fueloauth_token(headers)
            try:
                return self._post(operation, body, headers)
            except SoapFault as fault:
                if fault.info.string == "Token Expired" and not refreshed:
                    refreshed = True
                    self.login.invalidate(token)
                    continue
                raise
            except _Retryable as exc:
                attempt += 1
                if attempt > self.retries or not (operation in IDEMPOTENT or exc.never_sent):
                    raise SoapTransportError(str(exc)) from None
                self.sleep(self.backoff * 2 ** (attempt - 1))

    def _post(self, operation: str, body: etree._Element, headers: list) -> ApiObject:
        import requests

        message = codec.envelope(copy.deepcopy(body), headers=headers)
        http_headers = {"SOAPAction": f'"{self.soap_action(operation)}"',
                        "Content-Type": "text/xml; charset=utf-8"}
        try:
            reply = self.zeep.transport.post_xml(self.endpoint, message, http_headers)
        except requests.RequestException as exc:
            from .reasons import network_reason

            raise _Retryable(f"{operation} call to {self.endpoint} failed: {network_reason(exc)}",
                             _never_sent(exc)) from None
        try:
            _, _, element = codec.parse_envelope(reply.content)
        except codec.SoapClientError as exc:
            if reply.status_code in _RETRY_STATUSES:
                message = f"{operation}: HTTP {reply.status_code} from {self.endpoint}"
                raise _Retryable(message, False) from None
            raise SoapTransportError(f"{operation}: HTTP {reply.status_code} from {self.endpoint} is not a "
                                     f"SOAP answer ({exc})") from None
        if codec.is_fault(element):
            raise SoapFault(codec.parse_fault(element))
        return codec.parse_response(element)[1]


class _Retryable(Exception):
    def __init__(self, message: str, never_sent: bool):
        super().__init__(message)
        self.never_sent = never_sent

