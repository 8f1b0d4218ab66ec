"""The lxml codec: ApiObject ↔ Partner API XML, request/response messages, envelopes, the hardened
parser and faults."""

from __future__ import annotations

import pytest
from lxml import etree

from ampy.api.model import ApiObject
from ampy.soap import codec
from ampy.soap.codec import SOAP11_NS, SOAP12_NS, SoapClientError
from ampy.soap.schema import FAULT_NS, FUELOAUTH_NS, PARTNER_NS

XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XSI_TYPE = f"{{{XSI_NS}}}type"
P = f"{{{PARTNER_NS}}}"


def compact(xml: str) -> bytes:
    """Canonical XML of a literal written with indentation (whitespace-only text dropped)."""
    parser = etree.XMLParser(remove_blank_text=True)
    return etree.tostring(etree.fromstring(xml.encode(), parser), method="c14n")


def c14n(element: etree._Element) -> bytes:
    return etree.tostring(element, method="c14n")


def roundtrip(obj: ApiObject, tag: str = "Objects") -> ApiObject:
    return codec.xml_to_object(etree.fromstring(etree.tostring(codec.object_to_xml(obj, tag))))


def field(name: str, field_type: str, **more: str) -> ApiObject:
    return ApiObject("DataExtensionField", {"Name": name, "FieldType": field_type, **more})


def prop(name: str, value: str) -> ApiObject:
    return ApiObject("APIProperty", {"Name": name, "Value": value})


def simple(prop_name: str, operator: str, *values: str) -> ApiObject:
    return ApiObject("SimpleFilterPart", {"Property": prop_name, "SimpleOperator": operator,
                                          "Value": list(values)})


# ------------------------------------------------------------------------------ objects


def test_data_extension_fields_are_wrapped_and_round_trip():
    de = ApiObject("DataExtension", {
        "CustomerKey": "members", "Name": "Members", "IsSendable": "false",
        "Fields": [field("Email", "EmailAddress", IsPrimaryKey="true", IsRequired="true"),
                   field("Points", "Number")],
    })
    element = codec.object_to_xml(de, "Objects")
    assert c14n(element) == compact(f"""
        <Objects xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}" xsi:type="DataExtension">
          <CustomerKey>members</CustomerKey><Name>Members</Name><IsSendable>false</IsSendable>
          <Fields>
            <Field><Name>Email</Name><FieldType>EmailAddress</FieldType><IsPrimaryKey>true</IsPrimaryKey>
              <IsRequired>true</IsRequired></Field>
            <Field><Name>Points</Name><FieldType>Number</FieldType></Field>
          </Fields>
        </Objects>""")
    assert roundtrip(de) == de


def test_data_extension_object_properties_and_keys_round_trip():
    row = ApiObject("DataExtensionObject", {
        "CustomerKey": "members",
        "Properties": [prop("Email", "a@example.com"), prop("Points", "12")],
        "Keys": [prop("Email", "a@example.com")],
    })
    element = codec.object_to_xml(row, "Objects")
    assert [c.tag for c in element] == [P + "CustomerKey", P + "Properties", P + "Keys"]
    assert [c.tag for c in element[1]] == [P + "Property"] * 2
    assert element[2][0].findtext(P + "Value") == "a@example.com"
    assert element[1][0].get(XSI_TYPE) is None  # slot typed APIProperty: no xsi:type needed
    assert roundtrip(row) == row


def test_retrieve_request_with_complex_filter_round_trips():
    request = ApiObject("RetrieveRequest", {
        "ObjectType": "DataExtensionObject[Members]",
        "Properties": ["Email", "Points"],
        "Filter": ApiObject("ComplexFilterPart", {
            "LeftOperand": simple("Points", "greaterThan", "10"),
            "LogicalOperator": "AND",
            "RightOperand": simple("Email", "IN", "a@example.com", "b@example.com"),
        }),
    })
    element = codec.object_to_xml(request, "RetrieveRequest", with_type=False)
    assert c14n(element) == compact(f"""
        <RetrieveRequest xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}">
          <ObjectType>DataExtensionObject[Members]</ObjectType>
          <Properties>Email</Properties><Properties>Points</Properties>
          <Filter xsi:type="ComplexFilterPart">
            <LeftOperand xsi:type="SimpleFilterPart">
              <Property>Points</Property><SimpleOperator>greaterThan</SimpleOperator><Value>10</Value>
            </LeftOperand>
            <LogicalOperator>AND</LogicalOperator>
            <RightOperand xsi:type="SimpleFilterPart">
              <Property>Email</Property><SimpleOperator>IN</SimpleOperator>
              <Value>a@example.com</Value><Value>b@example.com</Value>
            </RightOperand>
          </Filter>
        </RetrieveRequest>""")
    assert codec.xml_to_object(element) == request


def test_single_repeated_element_reads_as_a_list():
    element = etree.fromstring(f"""<RetrieveRequest xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}">
        <ObjectType>Subscriber</ObjectType><Properties>EmailAddress</Properties>
        <Filter xsi:type="SimpleFilterPart"><Property>Status</Property><SimpleOperator>equals</SimpleOperator>
        <Value>Active</Value></Filter></RetrieveRequest>""")
    request = codec.xml_to_object(element)
    assert request.get("Properties") == ["EmailAddress"]
    assert request.get("Filter").get("Value") == ["Active"]


def test_specified_flags_none_and_booleans():
    esd = ApiObject("EmailSendDefinition", {
        "CustomerKey": "welcome", "IsSendLogging": False, "IsSendLoggingSpecified": True,
        "DeduplicateByEmail": True, "DeduplicateByEmailSpecified": True, "Description": None,
        "Email": ApiObject("Email", {"ID": 12345, "IDSpecified": True}),
    })
    element = codec.object_to_xml(esd, "Definition")
    assert c14n(element) == compact(f"""
        <Definition xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}" xsi:type="EmailSendDefinition">
          <CustomerKey>welcome</CustomerKey><IsSendLogging>false</IsSendLogging>
          <DeduplicateByEmail>true</DeduplicateByEmail><Email><ID>12345</ID></Email>
        </Definition>""")


def test_property_order_is_kept_unless_schema_order_is_asked():
    obj = ApiObject("DataExtension", {"Name": "N", "customerkey": "k", "Zzz": "extra", "ID": "1"})
    given = codec.object_to_xml(obj, "Objects")
    assert [etree.QName(c).localname for c in given] == ["Name", "CustomerKey", "Zzz", "ID"]
    ordered = codec.object_to_xml(obj, "Objects", schema_order=True)
    assert [etree.QName(c).localname for c in ordered] == ["ID", "CustomerKey", "Name", "Zzz"]


def test_subtype_in_a_typed_slot_gets_xsi_type_and_same_type_does_not():
    query = ApiObject("QueryDefinition", {
        "DataExtensionTarget": ApiObject("InteractionBaseObject", {"CustomerKey": "t"}),
        "SendClassification": ApiObject("SendClassification", {"CustomerKey": "x"}),
    })
    element = codec.object_to_xml(query, "Objects")
    assert element.find(P + "DataExtensionTarget").get(XSI_TYPE) is None
    # SendClassification is not a QueryDefinition property: unknown slots always carry the type.
    assert element.find(P + "SendClassification").get(XSI_TYPE) == "SendClassification"
    import_definition = ApiObject("ImportDefinition", {
        "DestinationObject": ApiObject("DataExtension", {"CustomerKey": "members"}),
        "FieldMaps": [ApiObject("FieldMap", {"SourceName": "email", "DestinationName": "Email"})],
    })
    element = codec.object_to_xml(import_definition, "Definition")
    assert element.find(P + "DestinationObject").get(XSI_TYPE) == "DataExtension"
    assert element.find(f"{P}FieldMaps/{P}FieldMap/{P}SourceName").text == "email"
    assert codec.xml_to_object(element) == import_definition


def test_unknown_types_and_properties_still_load():
    element = etree.fromstring(f"""<Results xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}"
            xsi:type="ImportResultsSummary">
          <ObjectID xsi:nil="true"/>
          <CustomerKey>imp</CustomerKey>
          <ImportStatus>Completed</ImportStatus>
          <Properties><Property><Name>a</Name><Value>1</Value></Property></Properties>
          <Tag>x</Tag><Tag>y</Tag>
          <Nested><Inner>v</Inner></Nested>
          <Empty/>
        </Results>""")
    obj = codec.xml_to_object(element, declared_type="APIObject")
    assert obj.type == "ImportResultsSummary"
    assert obj.properties == {
        "ObjectID": None,
        "CustomerKey": "imp",
        "ImportStatus": "Completed",
        "Properties": [prop("a", "1")],  # the fallback knows these items are APIProperty
        "Tag": ["x", "y"],
        "Nested": ApiObject("Nested", {"Inner": "v"}),
        "Empty": "",
    }
    # And write back: the fallback knows Properties is a wrapper of Property.
    again = codec.object_to_xml(obj, "Results")
    assert [c.tag for c in again.find(P + "Properties")] == [P + "Property"]
    assert again.find(P + "Nested").get(XSI_TYPE) is None


def test_nil_empty_wrapper_and_xsd_typed_leaf():
    element = etree.fromstring(f"""<Objects xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}"
            xmlns:xsd="http://www.w3.org/2001/XMLSchema" xsi:type="DataExtension">
          <ObjectID xsi:nil="true"/><Fields/><Name xsi:type="xsd:string">N</Name>
          <!-- comments are not data --></Objects>""")
    assert codec.xml_to_object(element).properties == {"ObjectID": None, "Fields": [], "Name": "N"}


def test_nested_object_type_defaults_to_the_declared_type():
    element = etree.fromstring(f"""<Result xmlns="{PARTNER_NS}"><StatusCode>OK</StatusCode>
        <Task><StatusCode>OK</StatusCode><ID>9</ID></Task></Result>""")
    result = codec.xml_to_object(element, declared_type="PerformResult")
    assert result == ApiObject("PerformResult", {
        "StatusCode": "OK", "Task": ApiObject("TaskResult", {"StatusCode": "OK", "ID": "9"})})


# ----------------------------------------------------------------------------- requests


@pytest.mark.parametrize("operation", ["Create", "Update", "Delete"])
def test_create_update_delete_requests(operation):
    subscriber = ApiObject("Subscriber", {
        "SubscriberKey": "s1", "EmailAddress": "s1@example.com",
        "Attributes": [ApiObject("Attribute", {"Name": "First Name", "Value": "Ann"})],
        "Lists": [ApiObject("SubscriberList", {"ID": "7", "Status": "Active"})],
    })
    body = codec.build_request(operation, objects=[subscriber])
    assert body.tag == P + {"Create": "CreateRequest", "Update": "UpdateRequest",
                            "Delete": "DeleteRequest"}[operation]
    assert etree.QName(body[0]).localname == "Options"  # required, may be empty
    assert [etree.QName(c).localname for c in body[1]].count("Attributes") == 1
    assert codec.parse_request(body) == (operation, {
        "options": ApiObject(f"{operation}Options"), "objects": [subscriber]})


def test_perform_configure_execute_extract_describe_requests():
    options = ApiObject("PerformOptions", {"Client": ApiObject("ClientID", {"ID": "12029"})})
    campaign = ApiObject("Campaign", {"CustomerKey": "3640"})
    body = codec.build_request("Perform", options=options, action="start", objects=[campaign])
    assert codec.parse_request(body) == ("Perform", {
        "options": options, "action": "start", "definitions": [campaign]})

    body = codec.build_request("Configure", action="update", objects=[campaign])
    assert body.find(f"{P}Configurations/{P}Configuration").get(XSI_TYPE) == "Campaign"
    assert codec.parse_request(body) == ("Configure", {
        "options": None, "action": "update", "configurations": [campaign]})

    execute = ApiObject("ExecuteRequest", {"Name": "LogUnsubEvent",
                                           "Parameters": [prop("SubscriberKey", "s1"), prop("JobID", "5")]})
    body = codec.build_request("Execute", requests=[execute])
    assert [etree.QName(c).localname for c in body[0]] == ["Name", "Parameters", "Parameters"]
    assert codec.parse_request(body) == ("Execute", {"requests": [execute]})

    extract = ApiObject("ExtractRequest", {"ID": "c7219016", "Parameters": [
        ApiObject("ExtractParameter", {"Name": "OutputFileName", "Value": "out.zip"})]})
    body = codec.build_request("Extract", requests=[extract])
    assert body.find(f"{P}Requests/{P}Parameters/{P}Parameter/{P}Name").text == "OutputFileName"
    assert codec.parse_request(body) == ("Extract", {"requests": [extract]})

    describe = ApiObject("ObjectDefinitionRequest", {"ObjectType": "Subscriber"})
    body = codec.build_request("Describe", requests=[describe])
    assert body.tag == P + "DefinitionRequestMsg"
    assert body.find(f"{P}DescribeRequests/{P}ObjectDefinitionRequest/{P}ObjectType").text == "Subscriber"
    assert codec.parse_request(body) == ("Describe", {"requests": [describe]})


def test_retrieve_request_and_unknown_request_elements():
    request = ApiObject("RetrieveRequest", {"ObjectType": "AsyncActivityStatus", "Properties": ["Status"],
                                            "ContinueRequest": "guid"})
    body = codec.build_request("Retrieve", request=request)
    assert codec.parse_request(body) == ("Retrieve", {"request": request})
    with pytest.raises(SoapClientError, match="RetrieveRequest"):
        codec.parse_request(etree.fromstring(f'<RetrieveRequestMsg xmlns="{PARTNER_NS}"/>'))
    with pytest.raises(SoapClientError, match="Schedule"):
        codec.parse_request(etree.fromstring(f'<ScheduleRequestMsg xmlns="{PARTNER_NS}"/>'))
    with pytest.raises(SoapClientError):
        codec.parse_request(etree.fromstring('<CreateRequest xmlns="urn:other"/>'))


# ---------------------------------------------------------------------------- responses


SEED_002_RESPONSE_BODY = f"""
<PerformResponseMsg xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}">
   <Results>
      <Result>
         <StatusCode>OK</StatusCode>
         <StatusMessage>EmailSendDefinition performed</StatusMessage>
         <Object xsi:type="EmailSendDefinition">
            <ObjectID>fb3f4fff-8a6c-de11-8fc9-00215adef71a</ObjectID>
            <CustomerKey>Definition_Key</CustomerKey>
            <Name>Definition_Name</Name>
            <SenderProfile>
               <FromName>FromName</FromName>
               <FromAddress>johndoe@example.com</FromAddress>
            </SenderProfile>
         </Object>
         <Task>
            <StatusCode>OK</StatusCode>
            <StatusMessage>OK</StatusMessage>
            <ID>12052743</ID>
            <InteractionObjectID>49d6e0eb-f01f-df11-9b82-00237dd3560e</InteractionObjectID>
         </Task>
      </Result>
   </Results>
   <OverallStatus>OK</OverallStatus>
   <OverallStatusMessage/>
   <RequestID>6fb20bc4-2772-4681-8ee3-b36445457676</RequestID>
</PerformResponseMsg>"""
# Seed 002's body, minus its <ObjectID xsi:nil="true"/> in SenderProfile (None is never written).


def test_perform_response_has_seed_002_shape():
    definition = ApiObject("EmailSendDefinition", {
        "ObjectID": "fb3f4fff-8a6c-de11-8fc9-00215adef71a", "CustomerKey": "Definition_Key",
        "Name": "Definition_Name",
        "SenderProfile": ApiObject("SenderProfile", {"FromName": "FromName",
                                                     "FromAddress": "johndoe@example.com"})})
    result = ApiObject("PerformResult", {
        "Task": ApiObject("TaskResult", {"StatusCode": "OK", "StatusMessage": "OK", "ID": "12052743",
                                         "InteractionObjectID": "49d6e0eb-f01f-df11-9b82-00237dd3560e"}),
        "Object": definition,  # given out of order on purpose: responses use the wire order
        "StatusCode": "OK", "StatusMessage": "EmailSendDefinition performed"})
    body = codec.build_response("Perform", results=[result],
                                request_id="6fb20bc4-2772-4681-8ee3-b36445457676")
    assert c14n(body) == compact(SEED_002_RESPONSE_BODY)
    operation, response = codec.parse_response(body)
    assert operation == "Perform"
    assert response.get("Results")[0].get("Task").get("ID") == "12052743"
    assert response.get("OverallStatusMessage") == ""


def test_other_response_shapes():
    created = ApiObject("CreateResult", {"StatusCode": "OK", "NewID": "0", "NewObjectID": "g"})
    body = codec.build_response("Create", results=[created], request_id="r")
    assert c14n(body) == compact(f"""<CreateResponse xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}">
        <Results><StatusCode>OK</StatusCode><NewID>0</NewID><NewObjectID>g</NewObjectID></Results>
        <RequestID>r</RequestID><OverallStatus>OK</OverallStatus></CreateResponse>""")

    rows = [ApiObject("DataExtensionObject", {"Properties": [prop("Email", "a@example.com")]})]
    body = codec.build_response("Retrieve", results=rows, overall_status="MoreDataAvailable", request_id="r")
    assert c14n(body) == compact(f"""<RetrieveResponseMsg xmlns="{PARTNER_NS}" xmlns:xsi="{XSI_NS}">
        <OverallStatus>MoreDataAvailable</OverallStatus><RequestID>r</RequestID>
        <Results xsi:type="DataExtensionObject"><Properties><Property><Name>Email</Name>
        <Value>a@example.com</Value></Property></Properties></Results></RetrieveResponseMsg>""")
    assert codec.parse_response(body)[1].get("Results") == rows

    body = codec.build_response("Retrieve", request_id="r")  # no match: OK with zero results
    assert [etree.QName(c).localname for c in body] == ["OverallStatus", "RequestID"]
    assert codec.parse_response(body)[1].get("Results") == []

    executed = ApiObject("ExecuteResponse", {"StatusCode": "OK", "StatusMessage": "Event posted",
                                             "Results": [prop("a", "1")]})
    body = codec.build_response("Execute", results=[executed], request_id="r")
    assert [etree.QName(c).localname for c in body] == ["OverallStatus", "RequestID", "Results"]
    assert body.find(f"{P}Results/{P}Results/{P}Name").text == "a"

    body = codec.build_response("Configure", results=[ApiObject("ConfigureResult", {"StatusCode": "OK"})])
    assert [etree.QName(c).localname for c in body] == [
        "Results", "OverallStatus", "OverallStatusMessage", "RequestID"]
    assert body.find(f"{P}Results/{P}Result/{P}StatusCode").text == "OK"

    definition = ApiObject("ObjectDefinition", {"ObjectType": "Subscriber", "Properties": [
        ApiObject("PropertyDefinition", {"Name": "EmailAddress", "IsRetrievable": True})]})
    body = codec.build_response("Describe", results=[definition], request_id="r")
    assert [etree.QName(c).localname for c in body] == ["ObjectDefinition", "RequestID"]
    assert body.find(f"{P}ObjectDefinition/{P}Properties/{P}IsRetrievable").text == "true"
    assert len(codec.build_response("Delete").find(P + "RequestID").text) == 36  # a fresh GUID


# ---------------------------------------------------------------------------- envelopes


def test_envelope_round_trip_soap11_and_soap12():
    for soap12, version in ((False, "1.1"), (True, "1.2")):
        body = codec.build_request("Retrieve", request=ApiObject("RetrieveRequest", {"ObjectType": "List"}))
        data = codec.to_bytes(codec.envelope(body, soap12=soap12, headers=[codec.fueloauth_header("tok")]))
        assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
        parsed_version, headers, parsed_body = codec.parse_envelope(data)
        assert parsed_version == version
        assert codec.fueloauth_token(headers) == "tok"
        assert codec.parse_request(parsed_body)[0] == "Retrieve"
        assert etree.fromstring(data).tag == f"{{{SOAP12_NS if soap12 else SOAP11_NS}}}Envelope"


def test_fueloauth_token_with_or_without_namespace():
    with_ns = etree.fromstring(f'<fueloauth xmlns="{FUELOAUTH_NS}"> abc </fueloauth>')
    without = etree.fromstring("<fueloauth>def</fueloauth>")
    other = etree.fromstring('<fueloauth xmlns="urn:other">x</fueloauth>')
    assert codec.fueloauth_token([with_ns]) == "abc"
    assert codec.fueloauth_token([other, without]) == "def"
    assert codec.fueloauth_token([other]) is None


def test_parse_envelope_keeps_ws_addressing_headers_and_ignores_comments():
    data = f"""<?xml version="1.0" encoding="utf-8"?>
    <s:Envelope xmlns:s="{SOAP12_NS}" xmlns:a="http://www.w3.org/2005/08/addressing">
      <s:Header><a:Action>Perform</a:Action><a:To>https://x.soap.marketingcloudapis.com/Service.asmx</a:To>
      </s:Header>
      <s:Body><!-- first --><PerformRequestMsg xmlns="{PARTNER_NS}"><Action>start</Action><Definitions/>
      </PerformRequestMsg></s:Body></s:Envelope>""".encode()
    version, headers, body = codec.parse_envelope(data)
    assert version == "1.2"
    assert [etree.QName(h).localname for h in headers] == ["Action", "To"]
    assert codec.parse_request(body) == ("Perform", {"options": None, "action": "start", "definitions": []})


@pytest.mark.parametrize("data, message", [
    (b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'><soap:Body>",
     "Malformed XML"),
    (b"", "Malformed XML"),
    (b"<Envelope><Body/></Envelope>", "Not a SOAP envelope"),
    (f"<s:Envelope xmlns:s='{SOAP11_NS}'><s:Header/></s:Envelope>".encode(), "no Body"),
    (f"<s:Envelope xmlns:s='{SOAP11_NS}'><s:Body> </s:Body></s:Envelope>".encode(), "Body is empty"),
    (f"<s:Envelope xmlns:s='{SOAP11_NS}'><s:Body><x>&undefined;</x></s:Body></s:Envelope>".encode(),
     "Malformed XML"),
])
def test_bad_envelopes_raise_soap_client_error(data, message):
    with pytest.raises(SoapClientError, match=message):
        codec.parse_envelope(data)


BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>
  <PerformRequestMsg xmlns="{PARTNER_NS}"><Action>&lol9;</Action></PerformRequestMsg>
</soap:Body></soap:Envelope>"""

EXTERNAL_ENTITY = f"""<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>
  <PerformRequestMsg xmlns="{PARTNER_NS}"><Action>&xxe;</Action></PerformRequestMsg>
</soap:Body></soap:Envelope>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_safe_parser_rejects_entity_attacks(document):
    with pytest.raises(SoapClientError, match="DOCTYPE"):
        codec.parse_envelope(document.encode())
    # The byte scan is not the only guard: in UTF-16 the parsed document still tells.
    utf16 = document.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-16"?>')
    with pytest.raises(SoapClientError, match="DOCTYPE"):
        codec.parse_envelope(utf16.encode("utf-16"))


def test_string_input_with_encoding_declaration_parses():
    text = f"""<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP11_NS}"><s:Body>
        <DefinitionRequestMsg xmlns="{PARTNER_NS}"><DescribeRequests/></DefinitionRequestMsg></s:Body>
        </s:Envelope>"""
    assert codec.parse_request(codec.parse_envelope(text)[2]) == ("Describe", {"requests": []})


# ------------------------------------------------------------------------------- faults


def test_soap11_fault_exact_shape():
    element = codec.fault("Server", "Unexpected error", detail_code=2, detail_message="Boom")
    assert c14n(element) == compact(f"""
        <soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body><soap:Fault>
          <faultcode>soap:Server</faultcode><faultstring>Unexpected error</faultstring>
          <detail><apifault xmlns="{FAULT_NS}"><Code>2</Code><Message>Boom</Message></apifault></detail>
        </soap:Fault></soap:Body></soap:Envelope>""")
    info = codec.parse_fault(codec.parse_envelope(codec.to_bytes(element))[2])
    assert info == codec.FaultInfo(f"{{{SOAP11_NS}}}Server", "Unexpected error", 2, "Boom")


def test_soap12_fault_exact_shape():
    reason = "Server did not recognize the value of HTTP Header SOAPAction: Nope."
    element = codec.fault("Client", reason, soap12=True)
    assert c14n(element) == compact(f"""
        <soap:Envelope xmlns:soap="{SOAP12_NS}"><soap:Body><soap:Fault>
          <soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code>
          <soap:Reason><soap:Text xml:lang="en">{reason}</soap:Text></soap:Reason>
        </soap:Fault></soap:Body></soap:Envelope>""")
    element = codec.fault("Receiver", "Unsupported", detail_code=8, detail_message="UnsupportedObject",
                          soap12=True)
    assert c14n(element) == compact(f"""
        <soap:Envelope xmlns:soap="{SOAP12_NS}"><soap:Body><soap:Fault>
          <soap:Code><soap:Value>soap:Receiver</soap:Value></soap:Code>
          <soap:Reason><soap:Text xml:lang="en">Unsupported</soap:Text></soap:Reason>
          <soap:Detail><apifault xmlns="{FAULT_NS}"><Code>8</Code><Message>UnsupportedObject</Message>
          </apifault></soap:Detail>
        </soap:Fault></soap:Body></soap:Envelope>""")
    body = codec.parse_envelope(codec.to_bytes(element))[2]
    assert codec.is_fault(body)
    assert codec.parse_fault(body) == codec.FaultInfo(f"{{{SOAP12_NS}}}Receiver", "Unsupported", 8,
                                                      "UnsupportedObject")


def test_security_fault_code_is_qualified():
    element = codec.fault(codec.SECURITY_FAULT_CODE, "Login failed")
    faultcode = element.find(f"{{{SOAP11_NS}}}Body/{{{SOAP11_NS}}}Fault/faultcode")
    prefix, _, local = faultcode.text.partition(":")
    assert (faultcode.nsmap[prefix], local) == (codec.WSSE_NS, "Security")
    assert element.find(".//detail") is None
    info = codec.parse_fault(codec.parse_envelope(codec.to_bytes(element))[2])
    assert (info.code, info.string) == (codec.SECURITY_FAULT_CODE, "Login failed")

    element = codec.fault(codec.SECURITY_FAULT_CODE, "Token Expired", soap12=True)
    info = codec.parse_fault(codec.parse_envelope(codec.to_bytes(element))[2])
    assert (info.code, info.string) == (codec.SECURITY_FAULT_CODE, "Token Expired")
    assert element.findtext(f".//{{{SOAP12_NS}}}Code/{{{SOAP12_NS}}}Value") == "soap:Sender"
