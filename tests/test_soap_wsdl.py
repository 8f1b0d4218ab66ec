"""The shipped Partner API WSDL: zeep builds a client from it offline, and the messages it writes
and reads are the real service's (seed 002: starting an EmailSendDefinition)."""

from __future__ import annotations

import re

import pytest
import zeep
from lxml import etree
from zeep.transports import Transport

from ampy.api.model import ApiObject
from ampy.soap import codec, schema
from ampy.soap.schema import FUELOAUTH_NS, PARTNER_NS, WSDL_PATH

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
P = f"{{{PARTNER_NS}}}"

# Seed 002's request body, verbatim.
SEED_002_REQUEST_BODY = b"""
<PerformRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
   <Action>start</Action>
   <Definitions>
      <Definition xsi:type="EmailSendDefinition">
         <CustomerKey>Definition_Key</CustomerKey>
         <SenderProfile>
            <FromName>FromName</FromName>
            <FromAddress>johndoe@example.com</FromAddress>
         </SenderProfile>
      </Definition>
   </Definitions>
</PerformRequestMsg>
"""

# Seed 002's response envelope. The seed's comment before <ID> reads "<!-- JobId ->", which never
# closes (the rest of the document would be comment, i.e. malformed XML); this copy closes it as
# "<!-- JobId -->". Everything else is verbatim.
SEED_002_RESPONSE_BROKEN = b"""<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema" \
xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" \
xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" \
xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
   <soap:Header>
      <wsa:Action>PerformResponse</wsa:Action>
      <wsa:MessageID>urn:uuid:5fe18fef-cc88-416c-862d-28013ef1d379</wsa:MessageID>
      <wsa:RelatesTo>urn:uuid:30ffce73-2bdc-422a-b3da-1e71e3f15270</wsa:RelatesTo>
      <wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>
      <wsse:Security>
         <wsu:Timestamp wsu:Id="Timestamp-22862e3f-fefa-45db-ba7f-e69d88571df3">
            <wsu:Created>2010-02-22T20:29:14Z</wsu:Created>
            <wsu:Expires>2010-02-22T20:34:14Z</wsu:Expires>
         </wsu:Timestamp>
      </wsse:Security>
   </soap:Header>
   <soap:Body>
      <PerformResponseMsg xmlns="http://exacttarget.com/wsdl/partnerAPI">
         <Results>
            <Result>
               <StatusCode>OK</StatusCode>
               <StatusMessage>EmailSendDefinition performed</StatusMessage>
               <Object xsi:type="EmailSendDefinition">
                  <ObjectID>fb3f4fff-8a6c-de11-8fc9-00215adef71a</ObjectID>
                  <CustomerKey>Definition_Key</CustomerKey>
                  <Name>Definition_Name</Name>
                  <SenderProfile>
                     <ObjectID xsi:nil="true"/>
                     <FromName>FromName</FromName>
                     <FromAddress>johndoe@example.com</FromAddress>
                  </SenderProfile>
               </Object>
               <Task>
                  <StatusCode>OK</StatusCode>
                  <StatusMessage>OK</StatusMessage>
                 <!-- JobId ->
                 <ID>12052743</ID>
                  <InteractionObjectID>49d6e0eb-f01f-df11-9b82-00237dd3560e</InteractionObjectID>
               </Task>
            </Result>
         </Results>
         <OverallStatus>OK</OverallStatus>
         <OverallStatusMessage/>
         <RequestID>6fb20bc4-2772-4681-8ee3-b36445457676</RequestID>
      </PerformResponseMsg>
   </soap:Body>
</soap:Envelope>
"""
SEED_002_RESPONSE = SEED_002_RESPONSE_BROKEN.replace(b"<!-- JobId ->", b"<!-- JobId -->")

ASYNC_STATUS_RESPONSE = f"""<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <soap:Body>
    <RetrieveResponseMsg xmlns="{PARTNER_NS}">
      <OverallStatus>OK</OverallStatus>
      <RequestID>0c1e5b8e-7f83-4f6e-9d4c-0c6f3b1f2a11</RequestID>
      <Results xsi:type="AsyncActivityStatus">
        <PartnerKey xsi:nil="true"/>
        <ObjectID xsi:nil="true"/>
        <Type>AsyncActivityStatus</Type>
        <Properties>
          <Property><Name>Status</Name><Value>Complete</Value></Property>
          <Property><Name>ParentInteractionObjectID</Name><Value>49d6e0eb</Value></Property>
        </Properties>
      </Results>
    </RetrieveResponseMsg>
  </soap:Body>
</soap:Envelope>""".encode()


class FakeHttpResponse:
    """What zeep's binding reads from a requests.Response."""

    def __init__(self, content: bytes, status_code: int = 200):
        self.status_code = status_code
        self.content = content
        self.headers = {"Content-Type": "text/xml; charset=utf-8"}
        self.encoding = "utf-8"


def process_reply(client: zeep.Client, operation: str, content: bytes, status_code: int = 200):
    """Let zeep read a reply exactly as it reads one off the wire (its own parser included)."""
    binding = client.service._binding
    return binding.process_reply(client, binding.get(operation), FakeHttpResponse(content, status_code))


class OfflineTransport(Transport):
    """Any attempt to reach the network fails the test: the WSDL must be self-contained."""

    def load(self, url):
        if re.match(r"(?i)https?:", url):
            raise AssertionError(f"zeep tried to download {url}")
        return super().load(url)

    def post(self, address, message, headers):
        raise AssertionError(f"zeep tried to POST to {address}")


@pytest.fixture(scope="module")
def client() -> zeep.Client:
    return zeep.Client(str(WSDL_PATH), transport=OfflineTransport())


def shape(element: etree._Element) -> tuple:
    """An element's structure with namespace prefixes resolved and whitespace ignored:
    (tag, resolved xsi:type, other attributes, text, children)."""
    xsi_type = element.get(XSI_TYPE)
    if xsi_type is not None:
        prefix, _, local = xsi_type.rpartition(":")
        xsi_type = f"{{{element.nsmap.get(prefix or None)}}}{local}"
    attrs = tuple(sorted((k, v) for k, v in element.attrib.items() if k != XSI_TYPE))
    children = tuple(shape(c) for c in element if isinstance(c.tag, str))
    text = "" if children else (element.text or "").strip()
    return element.tag, xsi_type, attrs, text, children


def body_of(envelope: etree._Element) -> etree._Element:
    body = envelope.find("{http://schemas.xmlsoap.org/soap/envelope/}Body")
    return next(c for c in body if isinstance(c.tag, str))


# ------------------------------------------------------------------------- the contract


def test_wsdl_imports_nothing_over_the_network():
    root = etree.parse(str(WSDL_PATH)).getroot()
    assert not root.xpath("//@schemaLocation")
    assert not root.xpath("//*[local-name() = 'import' or local-name() = 'include']")
    assert WSDL_PATH.parent.name == "wsdl" and WSDL_PATH.parent.parent.name == "soap"


def test_service_port_binding_and_soap_actions(client):
    service = client.wsdl.services["PartnerAPI"]
    binding = service.ports["Soap"].binding
    assert binding.name == etree.QName(PARTNER_NS, "SoapBinding")
    assert service.ports["Soap12"].binding.name == etree.QName(PARTNER_NS, "Soap12Binding")
    expected = {"Create": "CreateRequest", "Retrieve": "RetrieveRequestMsg", "Update": "UpdateRequest",
                "Delete": "DeleteRequest", "Perform": "PerformRequestMsg",
                "Configure": "ConfigureRequestMsg", "Execute": "ExecuteRequestMsg",
                "Extract": "ExtractRequestMsg", "Describe": "DefinitionRequestMsg"}
    for name, request in expected.items():
        operation = binding.get(name)
        assert operation.soapaction == name
        assert operation.input.body.qname == etree.QName(PARTNER_NS, request)
        response = codec.RESPONSE_ELEMENTS[name]
        assert operation.output.body.qname == etree.QName(PARTNER_NS, response)


def test_fault_detail_element_is_in_the_fault_namespace(client):
    apifault = client.get_element("{urn:fault.partner.exacttarget.com}apifault")
    assert [name for name, _ in apifault.type.elements][:2] == ["Code", "Message"]


# ------------------------------------------------------------------------------- seed 002


def test_zeep_perform_request_matches_seed_002(client):
    esd = client.get_type(P + "EmailSendDefinition")
    profile = client.get_type(P + "SenderProfile")
    definition = esd(CustomerKey="Definition_Key",
                     SenderProfile=profile(FromName="FromName", FromAddress="johndoe@example.com"))
    message = client.create_message(client.service, "Perform", Action="start",
                                    Definitions={"Definition": [definition]})
    assert shape(body_of(message)) == shape(etree.fromstring(SEED_002_REQUEST_BODY))


def test_codec_perform_request_matches_seed_002():
    definition = ApiObject("EmailSendDefinition", {
        "CustomerKey": "Definition_Key",
        "SenderProfile": ApiObject("SenderProfile", {"FromName": "FromName",
                                                     "FromAddress": "johndoe@example.com"}),
    })
    body = codec.build_request("Perform", action="start", objects=[definition])
    assert shape(body) == shape(etree.fromstring(SEED_002_REQUEST_BODY))


def test_zeep_sends_the_fueloauth_header(client):
    message = client.create_message(client.service, "Retrieve",
                                    RetrieveRequest={"ObjectType": "DataExtension", "Properties": ["Name"]},
                                    _soapheaders={"fueloauth": "TOKEN"})
    header = message.find("{http://schemas.xmlsoap.org/soap/envelope/}Header")
    assert [(h.tag, h.text) for h in header] == [(f"{{{FUELOAUTH_NS}}}fueloauth", "TOKEN")]


def test_seed_002_response_as_published_is_malformed():
    with pytest.raises(codec.SoapClientError, match="Malformed XML"):
        codec.parse_envelope(SEED_002_RESPONSE_BROKEN)


def test_zeep_reads_seed_002_response(client):
    result = process_reply(client, "Perform", SEED_002_RESPONSE)
    assert result.OverallStatus == "OK"
    assert result.RequestID == "6fb20bc4-2772-4681-8ee3-b36445457676"
    performed = result.Results.Result[0]
    assert performed.StatusCode == "OK"
    assert performed.StatusMessage == "EmailSendDefinition performed"
    assert performed.Task.ID == "12052743"
    assert performed.Task.InteractionObjectID == "49d6e0eb-f01f-df11-9b82-00237dd3560e"
    assert type(performed.Object).__name__ == "EmailSendDefinition"
    assert performed.Object.SenderProfile.ObjectID is None
    assert performed.Object.SenderProfile.FromAddress == "johndoe@example.com"


def test_zeep_reads_an_async_activity_status_retrieve(client):
    result = process_reply(client, "Retrieve", ASYNC_STATUS_RESPONSE)
    assert result.OverallStatus == "OK"
    (status,) = result.Results
    assert type(status).__name__ == "AsyncActivityStatus"
    assert [(p.Name, p.Value) for p in status.Properties.Property] == [
        ("Status", "Complete"), ("ParentInteractionObjectID", "49d6e0eb")]


def test_zeep_reads_an_unknown_type_once_its_xsi_type_is_stripped():
    # zeep rejects an xsi:type its WSDL lacks even when not strict; the codec helper lets it fall
    # back to the slot's declared type, keeping the unknown children as raw elements.
    envelope = etree.fromstring(ASYNC_STATUS_RESPONSE.replace(b"AsyncActivityStatus", b"ImportResultsSummary"))
    assert codec.strip_unknown_xsi_types(envelope) == ["ImportResultsSummary"]
    lenient = zeep.Client(str(WSDL_PATH), transport=OfflineTransport(), settings=zeep.Settings(strict=False))
    result = process_reply(lenient, "Retrieve", etree.tostring(envelope))
    assert [etree.QName(e).localname for e in result.Results[0]._raw_elements] == ["Type", "Properties"]


# ------------------------------------------------------------------ codec ↔ zeep interop


def test_zeep_reads_codec_responses(client):
    task = ApiObject("TaskResult", {"StatusCode": "OK", "StatusMessage": "OK", "ID": "42",
                                    "InteractionObjectID": "iid"})
    performed = ApiObject("PerformResult", {"StatusCode": "OK", "StatusMessage": "QueryDefinition perform "
                                            "called successfully", "Task": task,
                                            "Object": ApiObject("QueryDefinition", {"CustomerKey": "q"})})
    reply = process_reply(client, "Perform", codec.to_bytes(codec.envelope(
        codec.build_response("Perform", results=[performed], request_id="r1"))))
    assert (reply.OverallStatus, reply.RequestID, reply.Results.Result[0].Task.ID) == ("OK", "r1", "42")
    assert reply.Results.Result[0].Object.CustomerKey == "q"

    # Properties given out of wire order still come out in the order zeep insists on.
    row = ApiObject("DataExtensionObject", {
        "Properties": [ApiObject("APIProperty", {"Name": "Email", "Value": "a@example.com"})],
        "CustomerKey": "de", "Name": "Members"})
    reply = process_reply(client, "Retrieve", codec.to_bytes(codec.envelope(
        codec.build_response("Retrieve", results=[row], overall_status="MoreDataAvailable"))))
    assert reply.OverallStatus == "MoreDataAvailable"
    assert reply.Results[0].CustomerKey == "de"
    assert reply.Results[0].Properties.Property[0].Value == "a@example.com"

    created = ApiObject("CreateResult", {"StatusCode": "OK", "NewID": "0", "NewObjectID": "guid",
                                         "Object": ApiObject("DataExtension", {"Name": "Members"})})
    reply = process_reply(client, "Create", codec.to_bytes(codec.envelope(
        codec.build_response("Create", results=[created]))))
    assert reply.Results[0].NewObjectID == "guid" and reply.Results[0].Object.Name == "Members"


def test_zeep_reads_codec_faults(client):
    data = codec.to_bytes(codec.fault("Server", "Unexpected error", detail_code=2, detail_message="Boom"))
    with pytest.raises(zeep.exceptions.Fault) as caught:
        process_reply(client, "Create", data, status_code=500)
    assert (caught.value.message, caught.value.code) == ("Unexpected error", "soap:Server")
    apifault = caught.value.detail.find("{urn:fault.partner.exacttarget.com}apifault")
    assert apifault.findtext("{urn:fault.partner.exacttarget.com}Code") == "2"


def test_codec_reads_zeep_requests(client):
    simple = client.get_type(P + "SimpleFilterPart")
    message = client.create_message(client.service, "Retrieve", RetrieveRequest={
        "ObjectType": "AsyncActivityStatus", "Properties": ["Status", "ParentInteractionObjectID"],
        "Filter": simple(Property="ParentInteractionObjectID", SimpleOperator="equals", Value=["iid"])})
    operation, arguments = codec.parse_request(body_of(message))
    assert operation == "Retrieve"
    assert arguments["request"] == ApiObject("RetrieveRequest", {
        "ObjectType": "AsyncActivityStatus", "Properties": ["Status", "ParentInteractionObjectID"],
        "Filter": ApiObject("SimpleFilterPart", {"Property": "ParentInteractionObjectID",
                                                 "SimpleOperator": "equals", "Value": ["iid"]})})


# -------------------------------------------------------------------------- schema table


def test_schema_knows_types_and_inherited_properties():
    assert schema.is_known_type("EmailSendDefinition") and schema.is_known_type("asyncactivitystatus")
    assert schema.canonical_type("dataextension") == "DataExtension"
    assert not schema.is_known_type("PerformRequestMsg") and not schema.is_known_type("Nope")
    names = schema.property_names("QueryDefinition")
    assert names[:11] == ("Client", "PartnerKey", "PartnerProperties", "CreatedDate", "ModifiedDate", "ID",
                          "ObjectID", "CustomerKey", "Owner", "CorrelationID", "ObjectState")
    assert {"Name", "Description", "Keyword", "InteractionObjectID", "QueryText", "DataExtensionTarget",
            "TargetUpdateType"} <= set(names)
    assert schema.base_chain("EmailSendDefinition") == (
        "EmailSendDefinition", "SendDefinition", "InteractionDefinition", "InteractionBaseObject", "APIObject")
    assert schema.base_chain("DataExtensionObject") == ("DataExtensionObject", "ObjectExtension", "APIObject")
    assert schema.base_chain("SentEvent")[-1] == "APIObject"
    info = schema.partner_schema().property("QueryDefinition", "dataextensiontarget")
    assert (info.name, info.type_name) == ("DataExtensionTarget", "InteractionBaseObject")


def test_schema_wrapper_and_repeated_arrays():
    assert schema.wrapper_arrays("DataExtension") == {"Fields": "Field"}
    assert schema.wrapper_arrays("DataExtensionObject") == {"Properties": "Property", "Keys": "Key"}
    assert schema.wrapper_arrays("ImportDefinition") == {"FieldMaps": "FieldMap"}
    assert schema.wrapper_arrays("ComplexFilterPart") == {"AdditionalOperands": "Operand"}
    assert schema.wrapper_arrays("PerformOptions") == {"SaveOptions": "SaveOption"}
    assert schema.wrapper_arrays("PerformRequestMsg") == {"Definitions": "Definition"}
    assert schema.wrapper_arrays("ConfigureRequestMsg") == {"Configurations": "Configuration"}
    assert schema.wrapper_arrays("PerformResponseMsg") == {"Results": "Result"}
    assert {"Properties", "ClientIDs"} <= schema.repeated_properties("RetrieveRequest")
    assert {"Value", "DateValue"} == schema.repeated_properties("SimpleFilterPart")
    assert {"Attributes", "Lists"} <= schema.repeated_properties("Subscriber")
    assert "Subscribers" in schema.repeated_properties("TriggeredSend")
    assert "Objects" in schema.repeated_properties("CreateRequest")
    assert "Results" in schema.repeated_properties("RetrieveResponseMsg")
    assert "Parameters" in schema.repeated_properties("ExecuteRequest")


def test_zeep_soap12_port_speaks_soap_12(client):
    service = client.bind("PartnerAPI", "Soap12")
    message = client.create_message(service, "Describe",
                                    DescribeRequests={"ObjectDefinitionRequest": [{"ObjectType": "Email"}]})
    version, _, body = codec.parse_envelope(etree.tostring(message))
    assert version == "1.2"
    assert codec.parse_request(body) == ("Describe", {
        "requests": [ApiObject("ObjectDefinitionRequest", {"ObjectType": "Email"})]})
