"""``ampy serve``'s Partner API endpoint over HTTP: seed 002's raw envelope, SOAP 1.2, a plain zeep
client running seed 000's flow, faults, hostile input, paging and concurrent calls."""

from __future__ import annotations

import threading

import pytest
import requests
import zeep
from lxml import etree
from server_support import PASSWORD, USER, Clock, FakeCloud, make_auth, running_server
from zeep.wsse.username import UsernameToken

from ampy.api.model import ApiObject
from ampy.soap import codec
from ampy.soap.schema import FAULT_NS, PARTNER_NS

P = f"{{{PARTNER_NS}}}"
SOAP11 = "{http://schemas.xmlsoap.org/soap/envelope/}"
WSA = "{http://schemas.xmlsoap.org/ws/2004/08/addressing}"
WSSE = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}"
WSU = "{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd}"

# Seed 002's request envelope, verbatim but for the credentials and the host in wsa:To.
SEED_002_REQUEST = """<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" \
xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" \
xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
   <soap:Header>
      <wsa:Action>Perform</wsa:Action>
      <wsa:MessageID>urn:uuid:30ffce73-2bdc-422a-b3da-1e71e3f15270</wsa:MessageID>
      <wsa:ReplyTo>
         <wsa:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:Address>
      </wsa:ReplyTo>
      <wsa:To>{url}/Service.asmx</wsa:To>
      <wsse:Security soap:mustUnderstand="1">
         <wsse:UsernameToken wsu:Id="SecurityToken-4c1eed3b-75ee-4d19-8712-731028aaad77">
            <wsse:Username>{user}</wsse:Username>
            <wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0\
#PasswordText">{password}</wsse:Password>
         </wsse:UsernameToken>
      </wsse:Security>
   </soap:Header>
   <soap:Body>
      <PerformRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
         <Action>start</Action>
         <Definitions>
            <Definition xsi:type="Campaign">
               <CustomerKey>3640</CustomerKey>
            </Definition>
         </Definitions>
      </PerformRequestMsg>
   </soap:Body>
</soap:Envelope>"""

TEXT_XML = {"Content-Type": "text/xml; charset=utf-8"}


def post(server, data, action: str | None = "Perform", **headers) -> requests.Response:
    if action is not None:
        headers["SOAPAction"] = f'"{action}"'
    if isinstance(data, str):
        data = data.encode("utf-8")
    return requests.post(server.url + "/Service.asmx", data=data, headers={**TEXT_XML, **headers}, timeout=10)


def seed_request(server, user=USER, password=PASSWORD) -> str:
    return SEED_002_REQUEST.format(url=server.url, user=user, password=password)


def fault_of(reply: requests.Response) -> codec.FaultInfo:
    _, _, element = codec.parse_envelope(reply.content)
    assert codec.is_fault(element)
    return codec.parse_fault(element)


def retrieve_envelope(object_type: str, headers=(), continue_request: str | None = None) -> bytes:
    props = {"ObjectType": object_type, "Properties": ["ID", "ListName"]}
    if continue_request:
        props["ContinueRequest"] = continue_request
    body = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", props))
    return codec.to_bytes(codec.envelope(body, headers=list(headers)))


def user_header():
    from ampy.soap.auth import username_token_header

    return username_token_header(USER, PASSWORD)


@pytest.fixture
def cloud():
    return FakeCloud()


@pytest.fixture
def server(cloud):
    with running_server(cloud) as running:
        yield running


def still_up(server) -> None:
    reply = post(server, retrieve_envelope("List", [user_header()]), "Retrieve")
    assert reply.status_code == 200
    _, response = codec.parse_response(codec.parse_envelope(reply.content)[2])
    assert response.get("OverallStatus") == "OK"


# ------------------------------------------------------------------------------- seed 002


def test_seed_002_envelope_gets_the_seed_response_shape(server, cloud):
    reply = post(server, seed_request(server))
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(reply.content)
    header = root.find(SOAP11 + "Header")
    assert [h.tag for h in header] == [WSA + "Action", WSA + "MessageID", WSA + "RelatesTo", WSA + "To",
                                       WSSE + "Security"]
    assert header.findtext(WSA + "Action") == "PerformResponse"
    assert header.findtext(WSA + "RelatesTo") == "urn:uuid:30ffce73-2bdc-422a-b3da-1e71e3f15270"
    assert header.findtext(WSA + "To") == "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
    assert header.find(f"{WSSE}Security/{WSU}Timestamp/{WSU}Created") is not None
    body = root.find(SOAP11 + "Body")[0]
    assert body.tag == P + "PerformResponseMsg"
    assert [etree.QName(c).localname for c in body] == ["Results", "OverallStatus", "OverallStatusMessage",
                                                        "RequestID"]
    assert body.findtext(P + "OverallStatus") == "OK"
    assert body.findtext(P + "RequestID") == "req-perform"
    result = body.find(f"{P}Results/{P}Result")
    assert result.findtext(P + "StatusCode") == "OK"
    assert result.findtext(P + "StatusMessage") == "Campaign performed"
    assert result.find(P + "Object").get("{http://www.w3.org/2001/XMLSchema-instance}type") == "Campaign"
    assert result.findtext(f"{P}Task/{P}ID") == "12052743"
    assert result.findtext(f"{P}Task/{P}InteractionObjectID") == "ioid-3640"
    assert cloud.calls == [("Perform", "start", ["Campaign"])]


def test_seed_002_envelope_without_soapaction_header_uses_ws_addressing(server):
    reply = post(server, seed_request(server), action=None)
    assert reply.status_code == 200
    assert b"<OverallStatus>OK</OverallStatus>" in reply.content


def test_soap12_envelope_is_answered_in_soap12(server):
    body = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", {
        "ObjectType": "List", "Properties": ["ID"]}))
    data = codec.to_bytes(codec.envelope(body, soap12=True, headers=[user_header()]))
    reply = requests.post(server.url + "/Service.asmx", data=data, timeout=10,
                          headers={"Content-Type": 'application/soap+xml; charset=utf-8; action="Retrieve"'})
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/soap+xml; charset=utf-8"
    version, _, element = codec.parse_envelope(reply.content)
    _, response = codec.parse_response(element)
    assert version == "1.2"
    assert [r.get("ListName") for r in response.get("Results")] == ["thing 1", "thing 2", "thing 3"]


# --------------------------------------------------------------- a third-party client


def test_served_wsdl_has_this_servers_address(server):
    reply = requests.get(server.url + "/etframework.wsdl", timeout=10)
    assert reply.status_code == 200
    root = etree.fromstring(reply.content)
    locations = root.xpath("//*[local-name()='address']/@location")
    assert locations == [server.url + "/Service.asmx"] * 2
    assert requests.get(server.url + "/Service.asmx?WSDL", timeout=10).content == reply.content


def test_seed_000_flow_with_a_plain_zeep_client(server, cloud):
    # Built from the served WSDL, logging in like the .NET sample (UsernameToken): no ampy code.
    client = zeep.Client(server.url + "/etframework.wsdl", wsse=UsernameToken(USER, PASSWORD))
    campaign = client.get_type(P + "Campaign")(CustomerKey="3640")
    performed = client.service.Perform(Options={}, Action="start", Definitions={"Definition": [campaign]})
    assert performed.OverallStatus == "OK"
    interaction_id = performed.Results.Result[0].Task.InteractionObjectID
    assert interaction_id == "ioid-3640"

    simple = client.get_type(P + "SimpleFilterPart")
    statuses = []
    complete = False
    while not complete:
        reply = client.service.Retrieve(RetrieveRequest={
            "ObjectType": "AsyncActivityStatus", "Properties": ["Status", "ParentInteractionObjectID"],
            "Filter": simple(Property="ParentInteractionObjectID", SimpleOperator="equals",
                             Value=[interaction_id])})
        assert reply.OverallStatus == "OK" and len(reply.Results) > 0
        complete = True
        for status in reply.Results:
            value = {p.Name: p.Value for p in status.Properties.Property}["Status"]
            statuses.append(value)
            complete = complete and value in ("Complete", "Completed", "Error")
    assert statuses == ["Processing", "Processing", "Complete"]
    assert cloud.calls[0] == ("Perform", "start", ["Campaign"])


def test_zeep_client_with_fueloauth_header(server):
    token = server.app.auth.issue_token("client-1").token
    client = zeep.Client(server.url + "/etframework.wsdl")
    reply = client.service.Retrieve(RetrieveRequest={"ObjectType": "List", "Properties": ["ID"]},
                                    _soapheaders={"fueloauth": token})
    assert reply.OverallStatus == "OK"


# -------------------------------------------------------------------------- authentication


def test_request_without_credentials_is_login_failed(server, cloud):
    reply = post(server, retrieve_envelope("List"), "Retrieve")
    assert reply.status_code == 500
    info = fault_of(reply)
    assert (info.code, info.string) == (codec.SECURITY_FAULT_CODE, "Login failed")
    assert cloud.calls == []
    still_up(server)


def test_wrong_password_and_unknown_token_are_login_failed(server, cloud):
    assert fault_of(post(server, seed_request(server, password="wrong"))).string == "Login failed"
    assert fault_of(post(server, seed_request(server, user="nobody"))).string == "Login failed"
    headers = [codec.fueloauth_header("not-a-token")]
    assert fault_of(post(server, retrieve_envelope("List", headers), "Retrieve")).string == "Login failed"
    assert cloud.calls == []


def test_expired_token_is_token_expired_and_namespace_free_header_works(cloud):
    clock = Clock()
    with running_server(cloud, make_auth(clock, lifetime=60)) as server:
        token = server.app.auth.issue_token("client-1").token
        bare = etree.Element("fueloauth")
        bare.text = token
        assert post(server, retrieve_envelope("List", [bare]), "Retrieve").status_code == 200
        clock.now += 61
        reply = post(server, retrieve_envelope("List", [codec.fueloauth_header(token)]), "Retrieve")
        info = fault_of(reply)
        assert (info.code, info.string) == (codec.SECURITY_FAULT_CODE, "Token Expired")
        assert cloud.calls == [("Retrieve", "List")]


# ------------------------------------------------------------------------------- faults


def test_unknown_soap_action(server, cloud):
    reply = post(server, seed_request(server), action="Frobnicate")
    assert reply.status_code == 500
    info = fault_of(reply)
    assert info.code == "{http://schemas.xmlsoap.org/soap/envelope/}Client"
    assert info.string == "Server did not recognize the value of HTTP Header SOAPAction: Frobnicate."
    assert cloud.calls == []


def test_soap_action_and_body_disagree(server, cloud):
    info = fault_of(post(server, seed_request(server), action="Retrieve"))
    assert info.string == "The SOAPAction Retrieve does not match the request element PerformRequestMsg."
    assert cloud.calls == []


def test_backend_exception_is_an_apifault(server, cloud):
    body = codec.build_request("Create", objects=[ApiObject("Thing", {"Name": "boom"})])
    reply = post(server, codec.to_bytes(codec.envelope(body, headers=[user_header()])), "Create")
    assert reply.status_code == 500
    info = fault_of(reply)
    assert (info.string, info.detail_code, info.detail_message) == (
        "the fake cloud exploded", 2, "the fake cloud exploded")
    root = etree.fromstring(reply.content)
    assert root.find(f"{SOAP11}Body/{SOAP11}Fault/detail/{{{FAULT_NS}}}apifault") is not None
    assert cloud.created == []


def test_error_results_keep_status_and_error_code(server, cloud):
    body = codec.build_request("Create", objects=[ApiObject("Thing", {"Name": "bad"}),
                                                  ApiObject("Thing", {"Name": "good"})])
    reply = post(server, codec.to_bytes(codec.envelope(body, headers=[user_header()])), "Create")
    _, response = codec.parse_response(codec.parse_envelope(reply.content)[2])
    assert response.get("OverallStatus") == "Error"
    first, second = response.get("Results")
    assert (first.get("StatusCode"), first.get("StatusMessage"), first.get("ErrorCode")) == (
        "Error", "Name is not allowed.", "12")
    assert (second.get("StatusCode"), second.get("NewID"), second.get("NewObjectID")) == ("OK", "1", "guid-1")
    assert [o.get("Name") for o in cloud.created] == ["good"]


@pytest.mark.parametrize(("data", "message"), [
    (b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>",
     "Malformed XML"),
    (b"not xml at all", "Malformed XML"),
    (b"<a/>", "Not a SOAP envelope: root element is a"),
    (b"", "Malformed XML"),
])
def test_malformed_xml_is_a_client_fault(server, cloud, data, message):
    reply = post(server, data, "Retrieve")
    assert reply.status_code == 500
    info = fault_of(reply)
    assert info.code == "{http://schemas.xmlsoap.org/soap/envelope/}Client"
    assert info.string.startswith(message)
    assert cloud.calls == []
    still_up(server)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<RetrieveRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><RetrieveRequest>
<ObjectType>&lol4;</ObjectType></RetrieveRequest></RetrieveRequestMsg></soap:Body></soap:Envelope>"""

XXE = b"""<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>
<RetrieveRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><RetrieveRequest>
<ObjectType>&xxe;</ObjectType></RetrieveRequest></RetrieveRequestMsg></soap:Body></soap:Envelope>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused(server, cloud, document):
    reply = post(server, document, "Retrieve")
    assert reply.status_code == 500
    assert fault_of(reply).string == "DOCTYPE declarations are not allowed in SOAP messages"
    assert b"root:" not in reply.content
    assert cloud.calls == []
    still_up(server)


def test_over_large_body_is_413_before_parsing(cloud):
    with running_server(cloud, max_body=64 * 1024) as server:
        filler = "x" * (70 * 1024)
        body = codec.build_request("Create", objects=[ApiObject("Thing", {"Name": filler})])
        reply = post(server, codec.to_bytes(codec.envelope(body, headers=[user_header()])), "Create")
        assert reply.status_code == 413
        assert cloud.calls == [] and cloud.created == []
        still_up(server)


def test_app_itself_refuses_an_over_large_body():
    # Under a server without its own limit (wsgiref), the app enforces the limit.
    import io

    from ampy.server.app import build_app

    app = build_app(backend=FakeCloud(), auth=make_auth(), max_body=10)
    seen = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/Service.asmx", "CONTENT_LENGTH": "11",
               "CONTENT_TYPE": "text/xml", "wsgi.input": io.BytesIO(b"x" * 11)}
    body = b"".join(app(environ, lambda status, headers: seen.append(status)))
    assert seen == ["413 Payload Too Large"]
    assert body == b"Request body larger than 10 bytes.\n"


def test_get_on_the_endpoint_and_unknown_paths(server):
    assert requests.get(server.url + "/Service.asmx", timeout=10).status_code == 405
    assert requests.get(server.url + "/nothing", timeout=10).status_code == 404


# --------------------------------------------------------------------- paging, concurrency


def test_paging_over_5001_objects(cloud):
    cloud.things = [ApiObject("List", {"ID": str(i)}) for i in range(1, 5002)]
    with running_server(cloud) as server:
        seen, statuses, continue_request = [], [], None
        while True:
            reply = post(server, retrieve_envelope("List", [user_header()], continue_request), "Retrieve")
            _, response = codec.parse_response(codec.parse_envelope(reply.content)[2])
            statuses.append(response.get("OverallStatus"))
            seen.extend(r.get("ID") for r in response.get("Results"))
            if response.get("OverallStatus") != "MoreDataAvailable":
                break
            continue_request = response.get("RequestID")
        assert statuses == ["MoreDataAvailable", "MoreDataAvailable", "OK"]
        assert seen == [str(i) for i in range(1, 5002)]
        assert cloud.calls == [("Retrieve", "List")]


def test_concurrent_requests_are_served_one_at_a_time_by_the_backend(server, cloud):
    data = retrieve_envelope("List", [user_header()])
    answers = []

    def worker():
        for _ in range(5):
            reply = post(server, data, "Retrieve")
            answers.append((reply.status_code, b"thing 3" in reply.content))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [(200, True)] * 30
    assert len(cloud.calls) == 30
    assert cloud.max_in_flight == 1
