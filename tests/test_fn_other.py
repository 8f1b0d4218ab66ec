"""Sales & Service Cloud (against a CSV org), SMS/MobileConnect, Contacts, Social, Einstein and the
retired Microsoft Dynamics CRM functions."""

from __future__ import annotations

from datetime import datetime

import pytest

import ampy
from ampy.backends.local import LocalBackend
from ampy.runtime.sms import SmsConversation, SmsMessage

NOW = datetime(2026, 1, 15, 8, 30, 0)   # system time; 14:30 UTC
CONTACTS_CSV = ("Id,FirstName,LastName,Email,Points,CreatedDate,LastModifiedDate\n"
                "0035e00000AbCdEAAV,Ann,Lee,ann@example.com,10,2025-01-01T00:00:00.000+0000,"
                "2025-01-01T00:00:00.000+0000\n"
                "0035e00000XyZabAAF,Bob,Lee,,250,2025-02-01T00:00:00.000+0000,2025-02-01T00:00:00.000+0000\n")


def error(source: str, **kw) -> ampy.AmpscriptError:
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render(source, **kw)
    return e.value


@pytest.fixture
def org(tmp_path):
    folder = tmp_path / "salesforce"
    folder.mkdir()
    (folder / "Contact.csv").write_text(CONTACTS_CSV, encoding="utf-8")
    (folder / "_JobSources.csv").write_text(
        "JobID,SourceID,SourceType,IsInclusionSource\n"
        "J1,00B000000000001,List,true\nj1,701000000000001,Campaign,false\nJ2,00B000000000009,List,true\n",
        encoding="utf-8")
    backend = LocalBackend()
    backend.salesforce_dir = str(folder)
    return backend, folder


# ---- Sales & Service Cloud ---------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("001D000000IqhSL", "001D000000IqhSLIAZ"),   # Salesforce's own documented example
    ("0035e00000XyZab", "0035e00000XyZabAAF"),
    ("001D000000IqhSLIAZ", "001D000000IqhSLIAZ"),
    ("abc", "abc"),
    ("", ""),
])
def test_long_sfid(value, expected):
    assert ampy.render(f"%%=LongSFID('{value}')=%%") == expected


def test_create_appends_a_record_with_an_18_character_id(org):
    backend, folder = org
    out = ampy.render("%%=CreateSalesforceObject('contact', 2, 'firstname', 'Cy', 'LastName', 'Ng')=%%",
                      backend=backend, now=NOW)
    assert out == "003000000000003AAA"
    assert (folder / "Contact.csv").read_text(encoding="utf-8") == CONTACTS_CSV + (
        "003000000000003AAA,Cy,Ng,,,2026-01-15T14:30:00.000+0000,2026-01-15T14:30:00.000+0000\n")


def test_create_for_a_custom_object_uses_its_own_key_prefix(org):
    backend, folder = org
    (folder / "Loyalty__c.csv").write_text("Id,Name\n", encoding="utf-8")
    out = ampy.render("%%=CreateSalesforceObject('Loyalty__c', 1, 'Name', 'Gold')=%%", backend=backend)
    assert out == "a01000000000001AAA"
    assert (folder / "Loyalty__c.csv").read_text(encoding="utf-8") == "Id,Name\na01000000000001AAA,Gold\n"


def test_retrieve_with_criteria_and_operators(org):
    backend, _ = org
    src = ("%%[ set @rs = RetrieveSalesforceObjects('Contact', 'Id, FirstName,points', 'LastName', '=', 'LEE',"
           " 'Points', '>', 20) for @i = 1 to RowCount(@rs) do ]%%"
           "%%=Field(Row(@rs, @i), 'Id')=%% %%=Field(Row(@rs, @i), 'FirstName')=%% %%=Field(Row(@rs, @i), 2)=%%;"
           "%%[ next ]%%")
    assert ampy.render(src, backend=backend) == "0035e00000XyZabAAF Bob Bob;"
    by_id = "%%=RowCount(RetrieveSalesforceObjects('Contact', 'Email', 'Id', '=', '0035e00000AbCdE'))=%%"
    assert ampy.render(by_id, backend=backend) == "1"   # the 15-character form finds the record
    none = "%%=RowCount(RetrieveSalesforceObjects('Contact', 'Email', 'FirstName', '!=', 'ann', " \
           "'FirstName', '!=', 'bob'))=%%"
    assert ampy.render(none, backend=backend) == "0"
    null = "%%[ set @r = Row(RetrieveSalesforceObjects('Contact', 'Email', 'FirstName', '=', 'Bob'), 1) ]%%" \
           "%%=IsNull(Field(@r, 'Email'))=%%"
    assert ampy.render(null, backend=backend) == "True"


def test_update_single_object(org):
    backend, folder = org
    src = "%%=UpdateSingleSalesforceObject('Contact', '0035e00000XyZab', 'Email', 'bob@example.com')=%%"
    assert ampy.render(src, backend=backend, now=NOW) == "1"
    assert (folder / "Contact.csv").read_text(encoding="utf-8").splitlines()[2] == (
        "0035e00000XyZabAAF,Bob,Lee,bob@example.com,250,2025-02-01T00:00:00.000+0000,"
        "2026-01-15T14:30:00.000+0000")


def test_job_sources(org):
    backend, _ = org
    src = ("%%[ set @rs = RetrieveSalesforceJobSources('J1') for @i = 1 to RowCount(@rs) do set @r = Row(@rs, @i) ]%%"
           "%%=Field(@r, 'SourceID')=%%/%%=Field(@r, 'SourceType')=%%/%%=Field(@r, 'IsInclusionSource')=%%;"
           "%%[ next ]%%|%%=RowCount(RetrieveSalesforceJobSources('nope'))=%%")
    assert ampy.render(src, backend=backend) == "00B000000000001/List/true;701000000000001/Campaign/false;|0"


@pytest.mark.parametrize("call, message", [
    ("CreateSalesforceObject('Contact', 2, 'FirstName', 'Cy')",
     "CreateSalesforceObject: the field count is 2 but 1 field/value pairs follow"),
    ("CreateSalesforceObject('Widget', 1, 'Name', 'x')",
     "CreateSalesforceObject: unknown Salesforce object 'Widget' (no Widget.csv in the org folder)"),
    ("CreateSalesforceObject('Contact', 1, 'Shoe', 'x')", "CreateSalesforceObject: Contact has no field 'Shoe'"),
    ("UpdateSingleSalesforceObject('Contact', '003000000000099', 'Email', 'x')",
     "UpdateSingleSalesforceObject: no Contact record with Id '003000000000099'"),
    ("RetrieveSalesforceObjects('Contact', 'Id', 'LastName', 'LIKE', 'x')",
     "RetrieveSalesforceObjects: unknown operator 'LIKE' (use =, !=, <, <=, >, >=)"),
    ("RetrieveSalesforceObjects('Contact', 'Id', 'LastName', '=', 'x', 'Email')",
     "RetrieveSalesforceObjects: criteria must come in field, operator, value triples"),
])
def test_salesforce_errors(org, call, message):
    backend, folder = org
    assert error(f"%%={call}=%%", backend=backend).message == message
    assert (folder / "Contact.csv").read_text(encoding="utf-8") == CONTACTS_CSV   # nothing written


def test_a_workspace_backend_uses_its_salesforce_folder(tmp_path):
    (tmp_path / "salesforce").mkdir()
    (tmp_path / "salesforce" / "Contact.csv").write_text(CONTACTS_CSV, encoding="utf-8")
    backend = LocalBackend()
    backend.workspace = str(tmp_path)
    src = "%%=Field(Row(RetrieveSalesforceObjects('Contact', 'LastName', 'FirstName', '=', 'ann'), 1), 1)=%%"
    assert ampy.render(src, backend=backend) == "Lee"


def test_without_an_org_folder_the_connector_is_missing():
    assert error("%%=RetrieveSalesforceJobSources('J1')=%%", backend=LocalBackend()).message == (
        "RetrieveSalesforceJobSources: no Salesforce org is connected (a workspace needs a salesforce/ "
        "folder with one CSV file per object)")


# ---- SMS / MobileConnect -----------------------------------------------------------------------

def test_message_functions_in_an_sms_render():
    sms = SmsMessage(text="  JOIN gold  club now ", mms_urls=["https://m.example.com/1.jpg"])
    src = "[%%=Msg(0)=%%][%%=Verb()=%%][%%=Nouns()=%%][%%=Noun(0)=%%][%%=Noun(2)=%%][%%=Noun(3)=%%]" \
          "[%%=MMS_Content_URL(0)=%%][%%=MMS_Content_URL(1)=%%]"
    assert ampy.render(src, context="sms", sms=sms) == \
        "[  JOIN gold  club now ][JOIN][gold  club now][gold][now][][https://m.example.com/1.jpg][]"
    assert ampy.render("[%%=Verb()=%%][%%=Msg(0)=%%]", context="sms") == "[][]"   # no message given


@pytest.mark.parametrize("context", ["page", "email"])
def test_message_functions_are_refused_outside_sms_even_in_an_untaken_branch(context):
    e = error("x%%[ if 1 == 2 then ]%%%%=Noun(0)=%%%%[ endif ]%%", context=context)
    assert (e.message, e.line, e.column) == (
        f"Noun is not allowed in {context} content (only inside a MobileConnect message)", 1, 27)


def test_msg_index_must_be_zero():
    assert error("%%=Msg(1)=%%", context="sms").message == "Msg: the message index must be 0, got 1"


def test_conversations_are_recorded_in_the_message():
    sms = SmsMessage(text="JOIN")
    src = ("%%=CreateSmsConversation('12345', '15551234567', 'SIZE', 'MobileConnect')=%%,"
           "%%=SetSmsConversationNextKeyword('12345', '15551234567', 'COLOR')=%%,"
           "%%=SetSmsConversationNextKeyword('12345', '15550000000', 'COLOR')=%%")
    assert ampy.render(src, context="sms", sms=sms) == "True,True,False"
    assert sms.conversations == {("12345", "15551234567"): SmsConversation("12345", "15551234567", "COLOR")}
    end = "%%=EndSmsConversation('12345', '15551234567')=%%,%%=EndSmsConversation('12345', '15551234567')=%%"
    assert ampy.render(end, context="sms", sms=sms) == "True,False"
    assert sms.conversations[("12345", "15551234567")].active is False


@pytest.mark.parametrize("context", ["page", "email"])
def test_conversation_functions_return_false_outside_sms(context):
    src = ("%%=CreateSmsConversation('1', '2', 'K', 'MOBILECONNECT')=%%%%=EndSmsConversation('1', '2')=%%"
           "%%=SetSmsConversationNextKeyword('1', '2', 'K')=%%")
    assert ampy.render(src, context=context) == "FalseFalseFalse"


def test_conversation_app_must_be_mobileconnect():
    assert error("%%=CreateSmsConversation('1', '2', 'K', 'GroupConnect')=%%", context="sms").message == \
        'CreateSmsConversation: the app must be "MOBILECONNECT", got "GroupConnect"'


# ---- Contacts ----------------------------------------------------------------------------------

def test_upsert_contact_creates_then_updates_in_the_mobile_contacts_de():
    backend = LocalBackend()
    first = "%%=UpsertContact('mobile', 'phone', 15551234567, 'FirstName', 'Ann', '_City', 'Oslo')=%%"
    assert ampy.render(first, backend=backend, now=NOW) == "0"
    second = "%%=UpsertContact('Mobile', 'Phone', '15551234567', 'firstname', 'Anne')=%%"
    assert ampy.render(second, backend=backend, now=datetime(2026, 2, 1)) == "0"
    rows = backend.lookup("_MobileContacts", [("MobileNumber", "15551234567")])
    assert [(r["MobileNumber"], r["FirstName"], r["City"], r["CreatedDate"], r["ModifiedDate"]) for r in rows] == [
        ("15551234567", "Anne", "Oslo", "2026-01-15 08:30:00", "2026-02-01 00:00:00")]


@pytest.mark.parametrize("args", [
    "'email', 'phone', '15551234567', 'FirstName', 'x'",
    "'mobile', 'email', '15551234567', 'FirstName', 'x'",
    "'mobile', 'phone', '555-1234', 'FirstName', 'x'",
    "'mobile', 'phone', '', 'FirstName', 'x'",
    "'mobile', 'phone', '15551234567', 'ShoeSize', '44'",
    "'mobile', 'phone', '15551234567', 'FirstName', 'x', 'LastName'",
])
def test_upsert_contact_reports_bad_input_with_1_and_writes_nothing(args):
    backend = LocalBackend()
    assert ampy.render(f"%%=UpsertContact({args})=%%", backend=backend) == "1"
    assert backend.store.names() == []


# ---- Social, Einstein, Dynamics CRM ------------------------------------------------------------

def test_social_publish_urls():
    assert ampy.render("%%=GetSocialPublishURL(3, 'hero', 'utm_source', 'sf fwd')=%%") == \
        "http://127.0.0.1:8080/_ampy/social/x?region=hero&url=http%3A%2F%2F127.0.0.1%3A8080%2F&utm_source=sf+fwd"
    assert ampy.render("%%=GetSocialPublishURLByName('Facebook', 'US', 'hero')=%%") == \
        "http://127.0.0.1:8080/_ampy/social/facebook?country=US&region=hero&url=http%3A%2F%2F127.0.0.1%3A8080%2F"


@pytest.mark.parametrize("call, message", [
    ("GetSocialPublishURL('fb', 'hero')", "GetSocialPublishURL: the network code must be a whole number, got 'fb'"),
    ("GetSocialPublishURL(1, '')", "GetSocialPublishURL: the region is empty"),
    ("GetSocialPublishURLByName('Orkut', 'US', 'r')", "GetSocialPublishURLByName: unknown social network 'Orkut'"),
    ("GetSocialPublishURLByName('twitter', '', 'r')", "GetSocialPublishURLByName: the country code is empty"),
    ("GetPublishedSocialContent('c1')", ("GetPublishedSocialContent: unavailable: it reads a Classic Content "
                                         "social-forward region, and no CloudPage or current content has one")),
])
def test_social_errors(call, message):
    assert error(f"%%={call}=%%").message == message


def test_published_social_content_is_refused_in_email():
    assert error("%%=GetPublishedSocialContent('c1')=%%", context="email").message == \
        "GetPublishedSocialContent is not allowed in email content (10004: social sharing or landing pages only)"


@pytest.mark.parametrize("context", ["page", "email", "sms"])
def test_rating_stars_is_refused_outside_einstein_rendering(context):
    assert error("%%=RatingStars(4, 5, 'https://img.example.com/star.png')=%%", context=context).message == \
        f"RatingStars is not allowed in {context} content (Einstein Email Recommendations rendering only)"


@pytest.mark.parametrize("call", [
    "AddMscrmListMember('g1', 'g2')", "CreateMSCRMRecord('contact', 1, 'firstname', 'Ann')",
    "DescribeMSCRMEntities()", "DescribeMSCRMEntityAttributes('contact')",
    "RetrieveMSCRMRecords('contact', 'firstname', 'lastname', '=', 'Lee')",
    "RetrieveMSCRMRecordsFetchXML('<fetch/>')", "SetStateMscrmRecord('g', 'contact', 'active', 1)",
    "UpdateMSCRMRecords('contact', 'g1,g2', 'firstname', 'Ann')",
    "UpsertMSCRMRecord('contact', 'createdon', 'DESC', 1, 'lastname', 'Lee', 1, 'firstname', 'Ann')",
])
def test_dynamics_crm_functions_are_retired(call):
    name = call.split("(")[0]
    assert error(f"%%={call}=%%").message == (
        f"{name}: unavailable: the Microsoft Dynamics CRM connector was retired (online December 2020, "
        "on-premises October 2021) and has no replacement")


def test_dynamics_crm_argument_counts_are_checked_before_running():
    e = error("%%[ var @x ]%%%%=RetrieveMSCRMRecords('contact', 'firstname')=%%")
    assert isinstance(e, ampy.AmpscriptSyntaxError)
    assert (e.message, e.line, e.column) == ("RetrieveMSCRMRecords takes exactly 5 arguments, got 2", 1, 18)
