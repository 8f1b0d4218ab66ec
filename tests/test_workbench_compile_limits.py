"""The compile-time limits of a workspace's ``[limits]`` (template size, nesting depth) hold for
CloudPages, the preview and sends too, not only the run-time ones."""

from __future__ import annotations

import requests

from ampy.backends import open_backend
from ampy.cloud.workspace import create_workspace
from ampy.server.app import RunningServer, build_app
from ampy.settings import load_settings
from ampy.workbench.preview import Item, Part, render_item


def _workspace(tmp_path, limits: str):
    root = tmp_path / "ws"
    create_workspace(str(root))
    toml = root / "ampy.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + f"\n[limits]\n{limits}\n", encoding="utf-8")
    return root


def test_a_cloudpage_over_the_template_size_limit_answers_500(tmp_path):
    root = _workspace(tmp_path, "template_size = 40")
    (root / "cloudpages" / "big.amp").write_text("<p>" + "x" * 60 + "</p>", encoding="utf-8")
    (root / "cloudpages" / "small.amp").write_text("<p>%%=Add(1,2)=%%</p>", encoding="utf-8")
    server = RunningServer(build_app(str(root))).start()
    try:
        big = requests.get(server.url + "/big", timeout=10)
        assert big.status_code == 500
        assert "The template is 67 characters long, more than 40" in big.text
        assert "template_size" in big.text
        small = requests.get(server.url + "/small", timeout=10)
        assert small.status_code == 200 and small.text.startswith("<p>3</p>")
    finally:
        server.stop()
        server.app.backend.close()


def test_the_preview_compiles_under_the_workspace_nesting_limit(tmp_path):
    root = _workspace(tmp_path, "nesting_depth = 3")
    settings = load_settings(str(root / "ampy.toml"))
    deep = "%%=Add(Add(Add(Add(Add(1,1),1),1),1),1)=%%"
    item = Item(id="content:deep.html", kind="content", title="deep",
                parts={"html": Part(deep, "content/deep.html")}, email_id="1")
    backend = open_backend("local", workspace=str(root))
    try:
        rendered = render_item(item, {}, backend, settings)
    finally:
        backend.close()
    assert "html" not in rendered.outputs
    assert "nesting_depth" in str(rendered.errors["html"])


def test_the_preview_escapes_gtl_only_in_the_html_part(tmp_path):
    root = _workspace(tmp_path, "wall_time = 30")
    settings = load_settings(str(root / "ampy.toml"))
    parts = {"subject": Part("{{Name}}", "<email>:Subject"), "html": Part("<b>{{Name}}</b>", "<email>:HTML"),
             "text": Part("Hi {{Name}}", "<email>:Text")}
    item = Item(id="email:x", kind="email", title="x", parts=parts, email_id="1")
    backend = open_backend("local", workspace=str(root))
    try:
        rendered = render_item(item, {"Name": "A & B <c>"}, backend, settings)
    finally:
        backend.close()
    assert rendered.outputs == {"subject": "A & B <c>", "html": "<b>A &amp; B &lt;c&gt;</b>", "text": "Hi A & B <c>"}
