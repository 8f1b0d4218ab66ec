"""Click tracking of local sends and social sharing links, answered by a running ``ampy serve``."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket

import pytest
import requests
import zeep
from cloud_support import new_workspace, obj, open_workspace, retrieve, simple, wait_for_tasks
from server_support import PASSWORD, USER, make_auth
from zeep.wsse.username import UsernameToken

import ampy
from ampy.server.app import RunningServer, build_app

HTML = ('%%[ SET @offer = Concat("https://shop.example.com/offer?who=", _subscriberkey) ]%%'
        '<p>Hi %%FirstName%%</p>'
        '<a href="https://example.com/a?x=1&amp;y=2" alias="Home">home</a> '
        '<a href="%%=RedirectTo(@offer)=%%">offer</a> '
        '<a href="%%=WrapLongURL(\'https://example.com/a?x=1&y=2\')=%%">again</a> '
        '<a href="mailto:help@example.com">mail</a> <a href="#top">top</a> '
        '<a data-ampy-track="false" href="https://example.com/raw">raw</a>')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    root = new_workspace(tmp_path)
    port = _free_port()
    with open(os.path.join(root, "ampy.toml"), "a", encoding="utf-8") as f:
        f.write(f'\n[server]\npublic_url = "http://127.0.0.1:{port}/"\n')
    backend = open_workspace(root)
    app = build_app(root, backend=backend, auth=make_auth())
    server = RunningServer(app, port=port).start()
    try:
        yield root, backend, server
    finally:
        server.stop()
        backend.close()


def _send(root, backend) -> tuple[str, dict[str, str]]:
    backend.api_update([obj("Email", ID="1", HTMLBody=HTML, TextBody="")])
    r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="WelcomeSend")])
    job = r.results[0].task["ID"]
    (task,) = wait_for_tasks(backend, TaskID=job)
    assert task["Status"] == "Complete"
    bodies = {}
    for name in sorted(os.listdir(f"{root}/outbox")):
        with open(f"{root}/outbox/{name}", "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        bodies[msg["To"]] = msg.get_body(("html",)).get_content()
    return job, bodies


def _token(key: str) -> str:
    import base64

    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def test_send_links_are_tracked_clicked_and_retrieved(served):
    root, backend, server = served
    job, bodies = _send(root, backend)
    base = f"{server.url}/_ampy/click/{job}"
    ada = _token("S001")
    assert bodies["ada@example.com"] == (
        f'<p>Hi Ada</p><a href="{base}/1/{ada}" alias="Home">home</a> '
        f'<a href="{base}/2/{ada}">offer</a> '
        f'<a href="{base}/1/{ada}">again</a> '
        '<a href="mailto:help@example.com">mail</a> <a href="#top">top</a> '
        '<a href="https://example.com/raw">raw</a>\n')
    grace = _token("S002")
    assert f'<a href="{base}/3/{grace}">offer</a>' in bodies["grace@example.com"]

    reply = requests.head(f"{base}/2/{ada}", timeout=10)   # a link checker: no click
    assert (reply.status_code, reply.headers["Location"]) == (302, "https://shop.example.com/offer?who=S001")
    reply = requests.get(f"{base}/2/{ada}", allow_redirects=False, timeout=10)
    assert (reply.status_code, reply.headers["Location"]) == (302, "https://shop.example.com/offer?who=S001")
    reply = requests.get(f"{base}/1/{grace}", allow_redirects=False, timeout=10)
    assert (reply.status_code, reply.headers["Location"]) == (302, "https://example.com/a?x=1&y=2")
    assert requests.get(f"{base}/9/{grace}", allow_redirects=False, timeout=10).status_code == 404
    assert requests.get(f"{server.url}/_ampy/click/x/1/{grace}", timeout=10).status_code == 404

    props = ["SendID", "SubscriberKey", "EventType", "URLID", "URL"]
    local = retrieve(backend, "ClickEvent", props, simple("SendID", "equals", job))
    assert local.overall_status == "OK"
    assert [o.properties for o in local.results] == [
        {"SendID": job, "SubscriberKey": "S001", "EventType": "Click", "URLID": "2",
         "URL": "https://shop.example.com/offer?who=S001"},
        {"SendID": job, "SubscriberKey": "S002", "EventType": "Click", "URLID": "1",
         "URL": "https://example.com/a?x=1&y=2"},
    ]

    client = zeep.Client(server.url + "/etframework.wsdl", wsse=UsernameToken(USER, PASSWORD))
    part = client.get_type("{http://exacttarget.com/wsdl/partnerAPI}SimpleFilterPart")
    reply = client.service.Retrieve(RetrieveRequest={
        "ObjectType": "ClickEvent", "Properties": props + ["EventDate"],
        "Filter": part(Property="SubscriberKey", SimpleOperator="equals", Value=["S001"])})
    assert reply.OverallStatus == "OK"
    (event,) = reply.Results
    assert (event.SendID, event.SubscriberKey, event.EventType, event.URLID, event.URL) == (
        int(job), "S001", "Click", 2, "https://shop.example.com/offer?who=S001")
    assert event.EventDate is not None


def test_social_links_redirect_to_the_network_share_page(served):
    root, backend, server = served
    settings = backend.settings
    url = ampy.render("%%=GetSocialPublishURLByName('LinkedIn', 'US', 'hero', 'url', "
                      "'https://pages.example.com/p?id=7', 'utm', 'a b')=%%", settings=settings)
    assert url == (f"{server.url}/_ampy/social/linkedin?country=US&region=hero&"
                   "url=https%3A%2F%2Fpages.example.com%2Fp%3Fid%3D7&utm=a+b")
    reply = requests.get(url, allow_redirects=False, timeout=10)
    assert (reply.status_code, reply.headers["Location"]) == (
        302, "https://www.linkedin.com/sharing/share-offsite/?url=https%3A%2F%2Fpages.example.com%2Fp%3Fid%3D7")

    url = ampy.render("%%=GetSocialPublishURL(1, 'hero')=%%", settings=settings)
    assert url == f"{server.url}/_ampy/social/facebook?region=hero&url=" + \
        requests.utils.quote(server.url + "/", safe="")
    reply = requests.get(url, allow_redirects=False, timeout=10)
    assert (reply.status_code, reply.headers["Location"]) == (
        302, "https://www.facebook.com/sharer/sharer.php?u=" + requests.utils.quote(server.url + "/", safe=""))

    retired = ampy.render("%%=GetSocialPublishURLByName('Digg', 'US', 'hero')=%%", settings=settings)
    assert requests.get(retired, allow_redirects=False, timeout=10).status_code == 410
    assert requests.get(f"{server.url}/_ampy/social/friendster?url=x", timeout=10).status_code == 404


def test_unknown_network_code_is_a_clear_error():
    with pytest.raises(ampy.AmpscriptError) as e:
        ampy.render("%%=GetSocialPublishURL(42, 'hero')=%%")
    assert re.search(r"unknown social network code 42 \(1 to 10: 1 facebook, 2 twitter", e.value.message)
