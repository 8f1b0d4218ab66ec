"""Server-side JavaScript in every render path, end to end with exact output: a local send's
messages, ``ampy render --de`` in a subprocess and the workbench's email preview over HTTP."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import subprocess
import sys

import requests
from cloud_support import new_workspace, obj, open_workspace, wait_for_tasks
from server_support import served_workspace

# Both ways of reading the subscriber: Platform.Recipient and, after the load, Core's Attribute;
# a variable set in JavaScript is read by the AMPscript after the block.
BODY = """<p><script runat="server">
Platform.Load("core", "1.1.5");
var name = Platform.Recipient.GetAttributeValue("FirstName");
Variable.SetValue("@tier", Attribute.GetValue("Tier"));
Write("Hi " + name + ", " + name.length + " letters");
</script> · %%=Uppercase(@tier)=%%</p>"""


def test_a_local_send_runs_the_script_for_each_subscriber(tmp_path):
    root = new_workspace(tmp_path)
    backend = open_workspace(root)
    try:
        backend.api_update([obj("Email", ID="1", HTMLBody=BODY)])
        r = backend.api_perform("start", [obj("EmailSendDefinition", CustomerKey="WelcomeSend")])
        (task,) = wait_for_tasks(backend, TaskID=r.results[0].task["ID"])
        assert task["Status"] == "Complete"
    finally:
        backend.close()
    bodies = {}
    for name in sorted(os.listdir(f"{root}/outbox")):
        with open(f"{root}/outbox/{name}", "rb") as f:
            msg = email.message_from_bytes(f.read(), policy=email.policy.default)
        bodies[msg["To"]] = msg.get_body(("html",)).get_content()
    assert bodies == {
        "ada@example.com": "<p>Hi Ada, 3 letters · GOLD</p>\n",
        "grace@example.com": "<p>Hi Grace, 5 letters · PLATINUM</p>\n",
        "edsger@example.com": "<p>Hi Edsger, 6 letters · GOLD</p>\n",
    }


def test_ampy_render_over_a_data_extension(tmp_path):
    root = new_workspace(tmp_path)
    template = tmp_path / "page.amp"
    template.write_text(BODY, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "ampy", "render", str(template), "--de", "Subscribers", "--workspace", root,
         "--format", "jsonl", "--key", "SubscriberKey"],
        capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(r["key"], r["html"], r["error"]) for r in rows] == [
        ("S001", "<p>Hi Ada, 3 letters · GOLD</p>", None),
        ("S002", "<p>Hi Grace, 5 letters · PLATINUM</p>", None),
        ("S003", "<p>Hi Alan, 4 letters · SILVER</p>", None),
        ("S004", "<p>Hi Edsger, 6 letters · GOLD</p>", None),
        ("S005", "<p>Hi Barbara, 7 letters · BRONZE</p>", None),
    ]


def test_the_workbench_preview_runs_the_script(tmp_path):
    root = new_workspace(tmp_path)
    with open(f"{root}/content/ssjs.html", "w", encoding="utf-8") as f:
        f.write(BODY)
    with served_workspace(root) as server:
        page = requests.get(server.url + "/", params={"item": "content:ssjs.html", "de": "Subscribers", "row": "2"},
                            timeout=30)
        assert page.status_code == 200
        frame = requests.get(server.url + re.search(r'src="(/_ampy/render/[^"]+)"', page.text).group(1), timeout=30)
    assert frame.status_code == 200
    assert frame.text == "<p>Hi Grace, 5 letters · PLATINUM</p>"
