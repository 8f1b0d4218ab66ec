"""``ampy render`` over a whole audience: worker processes, audience order, per-row errors, the
jsonl/eml/html outputs, CSV and Parquet sources, and the read-only store."""

import csv
import email
import email.policy
import json
import os
import subprocess
import sys

import pytest

from ampy.audience.sources import CsvSource, DataExtensionSource, ParquetSource
from ampy.backends.local import LocalBackend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TEMPLATE = ('%%[ IF Id == 7 THEN RaiseError("bad seven") ENDIF ]%%'
            'Hi %%=v(Name)=%% %%=Lookup("Tiers","Tier","Id",Id)=%%')


def ampy(*args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, "-m", "ampy", *args], input=stdin, capture_output=True, text=True,
                          cwd=cwd, timeout=300)


@pytest.fixture
def folder(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with open(data / "People.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Name", "Email"])
        w.writerows([i, f"N{i}", f"p{i}@x.test"] for i in range(1, 21))
    with open(data / "Tiers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Tier"])
        w.writerows([i, "gold" if i % 2 else "silver"] for i in range(1, 21))
    (tmp_path / "t.amp").write_text(TEMPLATE, encoding="utf-8")
    return tmp_path


def expected_line(i):
    return f"Hi N{i} {'gold' if i % 2 else 'silver'}\n"


ERROR_7 = ('row 7 (p7@x.test): t.amp:1:21: RaiseError: bad seven\n'
           f'    {TEMPLATE}\n'
           '                        ^\n')


def test_two_workers_keep_the_audience_order_and_report_the_failed_row(folder):
    one = ampy("render", "t.amp", "--data", "data", "--de", "People", "--key", "email", "--jobs", "1", cwd=folder)
    two = ampy("render", "t.amp", "--data", "data", "--de", "People", "--key", "email", "--jobs", "2",
               "--batch-size", "3", cwd=folder)
    expected = "".join(expected_line(i) for i in range(1, 21) if i != 7)
    assert (one.returncode, one.stdout, one.stderr) == (1, expected, ERROR_7 + "rendered 19 of 20 row(s), 1 failed\n")
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)


def test_jsonl_has_one_exact_line_per_row_errors_included(folder):
    (folder / "t.txt").write_text("Text for %%=v(Name)=%%", encoding="utf-8")
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--where", "Id=7", "--format", "jsonl",
             "--subject", "Hello %%=v(Name)=%%", "--text", "t.txt", "--jobs", "1", cwd=folder)
    assert p.returncode == 1
    error = ERROR_7.split(": ", 1)[1].rstrip("\n")
    assert p.stdout == json.dumps({"key": "1", "subject": None, "html": None, "text": None, "error": error}) + "\n"
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--limit", "2", "--format", "jsonl",
             "--key", "Id", "--subject", "Hello %%=v(Name)=%%", "--text", "t.txt", "--jobs", "2",
             "--batch-size", "1", "--out", "out.jsonl", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (0, "", "rendered 2 of 2 row(s)\n")
    assert (folder / "out.jsonl").read_text(encoding="utf-8") == (
        '{"key": "1", "subject": "Hello N1", "html": "Hi N1 gold", "text": "Text for N1", "error": null}\n'
        '{"key": "2", "subject": "Hello N2", "html": "Hi N2 silver", "text": "Text for N2", "error": null}\n')


def test_eml_messages_are_complete_and_parse_with_exact_headers(folder):
    (folder / "t.txt").write_text("Text for %%=v(Name)=%%", encoding="utf-8")
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--limit", "2", "--format", "eml",
             "--out", "mail", "--key", "Email", "--subject", "Hello %%=v(Name)=%%", "--text", "t.txt",
             "--from", "Shop <shop@example.com>", cwd=folder)
    assert (p.returncode, p.stderr) == (0, "rendered 2 of 2 row(s)\n")
    assert sorted(os.listdir(folder / "mail")) == ["p1@x.test.eml", "p2@x.test.eml"]
    with open(folder / "mail" / "p2@x.test.eml", "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    assert (msg["From"], msg["To"], msg["Subject"]) == ("Shop <shop@example.com>", "p2@x.test", "Hello N2")
    assert msg["Message-ID"].endswith("@ampy.local>")
    assert msg.get_content_type() == "multipart/alternative"
    assert msg.get_body(("plain",)).get_content() == "Text for N2\n"
    assert msg.get_body(("html",)).get_content() == "Hi N2 silver\n"


def test_eml_needs_a_folder(folder):
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--format", "eml", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (
        2, "", "ampy: --format eml writes one message per row: give the folder with --out\n")


def test_html_folder_named_by_key_with_workers(folder):
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--key", "Name", "--out", "html",
             "--jobs", "2", "--batch-size", "4", cwd=folder)
    assert (p.returncode, p.stdout) == (1, "")
    assert sorted(os.listdir(folder / "html")) == sorted(f"N{i}.html" for i in range(1, 21) if i != 7)
    assert (folder / "html" / "N12.html").read_text(encoding="utf-8") == "Hi N12 silver"


def test_csv_audience(folder):
    (folder / "aud.csv").write_text("Id,Name\n3,Cy\n4,Di\n", encoding="utf-8")
    p = ampy("render", "t.amp", "--data", "data", "--csv", "aud.csv", "--jobs", "1", cwd=folder)
    assert (p.returncode, p.stdout, p.stderr) == (0, "Hi Cy gold\nHi Di silver\n", "rendered 2 of 2 row(s)\n")


def test_parquet_audience(folder):
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"Id": [5, 6, 7], "Name": ["Ed", None, "Gus"]}), folder / "aud.parquet")
    p = ampy("render", "t.amp", "--data", "data", "--parquet", "aud.parquet", "--jobs", "2", "--batch-size", "1",
             "--key", "name", cwd=folder)
    assert p.returncode == 1
    assert p.stdout == "Hi Ed gold\nHi  silver\n"
    assert p.stderr.startswith("row 3 (Gus): t.amp:1:21: RaiseError: bad seven\n")
    assert p.stderr.endswith("rendered 2 of 3 row(s), 1 failed\n")


def test_one_audience_only(folder):
    p = ampy("render", "t.amp", "--data", "data", "--de", "People", "--csv", "x.csv", cwd=folder)
    assert (p.returncode, p.stderr) == (2, "ampy: give one audience, not --de and --csv\n")
    p = ampy("render", "t.amp", "--data", "data", cwd=folder)
    assert (p.returncode, p.stderr) == (
        2, "ampy: give the audience as one of --de NAME, --csv FILE or --parquet FILE\n")


READ_ONLY = ("rendering an audience reads the data read-only: inserting a row is refused"
             " (write from `ampy run` or a send instead)")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_store_is_read_only_while_rendering(folder, jobs):
    before = (folder / "data" / "Tiers.csv").read_bytes()
    p = ampy("render", "-", "--data", "data", "--de", "People", "--jobs", jobs, "--batch-size", "10",
             "--limit", "20", cwd=folder, stdin='%%=InsertDE("Tiers","Id",99,"Tier","x")=%%')
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr.startswith(f"row 1 (1): <stdin>:1:4: InsertDE: {READ_ONLY}\n")
    assert p.stderr.count(READ_ONLY) == 20
    assert p.stderr.endswith("rendered 0 of 20 row(s), 20 failed\n")
    assert (folder / "data" / "Tiers.csv").read_bytes() == before


def test_a_workspace_store_stays_intact(tmp_path):
    assert ampy("init", "ws", cwd=tmp_path).returncode == 0
    (tmp_path / "ws" / "dataextensions" / "People.csv").write_text("Id,Name\n1,Ann\n2,Bo\n", encoding="utf-8")
    p = ampy("render", "-", "--workspace", "ws", "--de", "People", "--jobs", "2", "--batch-size", "1",
             cwd=tmp_path, stdin='%%=UpsertDE("People",1,"Id",Id,"Name","X")=%%')
    assert p.returncode == 1 and p.stderr.count("upserting a row is refused") == 2
    backend = LocalBackend.for_workspace(str(tmp_path / "ws"))
    try:
        assert backend.lookup("People", ()) == [{"Id": "1", "Name": "Ann"}, {"Id": "2", "Name": "Bo"}]
    finally:
        backend.close()


# ---- sources, in-process -----------------------------------------------------------------------

def test_data_extension_source_pages_by_row_id_with_filters_and_limit(folder):
    backend = LocalBackend(str(folder / "data"))
    try:
        source = DataExtensionSource(backend.store, "people", [("Name", "n1")], None)
        assert [[r["Id"] for r in b] for b in source.batches(2)] == [["1"]]
        source = DataExtensionSource(backend.store, "People", (), 7)
        assert source.count() == 7
        assert [[r["Id"] for r in b] for b in source.batches(3)] == [["1", "2", "3"], ["4", "5", "6"], ["7"]]
    finally:
        backend.close()


def test_csv_and_parquet_sources_stream_in_batches(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "a.csv").write_text("A,B\n1,x\n2\n3,z\n", encoding="utf-8")
    assert list(CsvSource(str(tmp_path / "a.csv")).batches(2)) == [
        [{"A": "1", "B": "x"}, {"A": "2", "B": ""}], [{"A": "3", "B": "z"}]]
    pq.write_table(pa.table({"A": [1, 2, 3], "B": [True, None, False]}), tmp_path / "a.parquet")
    source = ParquetSource(str(tmp_path / "a.parquet"), limit=2)
    assert source.count() == 2
    assert list(source.batches(1)) == [[{"A": "1", "B": "True"}], [{"A": "2", "B": None}]]


def test_progress_on_a_terminal_shows_a_bar_then_the_summary():
    import io

    from ampy.audience.progress import Progress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(3, stream=stream)
    progress.advance(2)
    progress.error("row 3 (c): bad")
    progress.advance(1)
    progress.finish(3, 1)
    out = stream.getvalue()
    assert "3/3" in out and "row/s" in out and "row 3 (c): bad\n" in out
    assert out.endswith("\nrendered 2 of 3 row(s), 1 failed\n")
    plain = io.StringIO()
    progress = Progress(None, stream=plain)
    progress.advance(5)
    progress.error("row 1 (a): bad")
    progress.finish(5, 1)
    assert plain.getvalue() == "row 1 (a): bad\nrendered 4 of 5 row(s), 1 failed\n"


def test_a_packed_batch_unpacks_to_the_same_rows():
    from ampy.audience.worker import RowResult, pack, unpack

    rows = [RowResult(1, "a", "S", "<p>1</p>", None, None, "a@x.test"),
            RowResult(2, "b", error="t.amp:1:1: bad", to="")]
    assert unpack(pack(rows)) == rows
    assert unpack(pack([])) == []


def test_warming_a_worker_with_a_broken_template_leaves_the_error_to_its_rows():
    from ampy.audience.worker import RenderSpec, close_renderers, render_batch, warm

    spec = RenderSpec(html="%%=Concatt(1)=%%", name="t.amp")
    try:
        warm(spec)
        (result,) = render_batch(spec, 4, [{"Id": "4"}])
    finally:
        close_renderers()
    assert (result.n, result.key, result.html) == (4, "4", None)
    assert result.error.startswith("t.amp: this worker cannot render: ")


@pytest.mark.parametrize(("where", "limit", "size", "takes"), [
    ((), None, 6, [6, 6, 6, 2]),
    ((), None, 5, [5, 5, 5, 5]),
    ((), 7, 3, [3, 3, 1]),
    ((), 6, 3, [3, 3]),
    ((), None, 50, [20]),
    ((("Name", "n3"),), None, 2, [1]),
    ((("Name", "nobody"),), None, 2, []),
])
def test_pages_cover_the_audience_exactly_once_in_order(folder, where, limit, size, takes):
    backend = LocalBackend(str(folder / "data"))
    try:
        source = DataExtensionSource(backend.store, "People", where, limit)
        pages = list(source.pages(size))
        assert [p.take for p in pages] == takes
        ids = [r["Id"] for p in pages for r in source.page(p.after, p.take)]
        assert ids == [r["Id"] for b in source.batches(size) for r in b]
    finally:
        backend.close()


def test_a_pool_renders_what_this_process_renders_and_keeps_no_renderer_here(folder, tmp_path, monkeypatch):
    import tempfile

    from ampy.audience import engines, worker
    from ampy.audience.run import _snapshot

    spools = tmp_path / "spools"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))

    backend = LocalBackend(str(folder / "data"))
    try:
        backend.store.names()
        path = _snapshot(backend.store)
        source = DataExtensionSource(backend.store, "People")
        spec = worker.RenderSpec(html=TEMPLATE, name="t.amp", key="Email", store_path=path)
        pooled = [(r.n, r.key, r.html, r.error) for b in engines.render_in_pool(spec, source.pages(3), 2) for r in b]
        assert spec.token not in worker._renderers  # the one this process may have used meanwhile is closed
        assert os.listdir(spools) == [path.rsplit(os.sep, 1)[1]]  # the batch files' folder is gone
        alone = [(r.n, r.key, r.html, r.error) for b in engines.render_in_process(spec, source.batches(3)) for r in b]
        worker.close_renderers()
        os.unlink(path)
    finally:
        backend.close()
    assert pooled == alone and len(pooled) == 20
    assert pooled[0] == (1, "p1@x.test", expected_line(1).rstrip("\n"), None)
    assert pooled[6][3].startswith("t.amp:1:21: RaiseError: bad seven")
