"""``ampy render --engine dask``: the same worker function on a real Dask cluster of two worker
processes gives the single-process output, and a failing row is reported, not lost."""

import csv
import os

import distributed
import pytest

from ampy.audience.engines import render_in_process
from ampy.audience.on_dask import audience_bag, render_on_dask
from ampy.audience.run import _snapshot
from ampy.audience.sources import DataExtensionSource, Page
from ampy.audience.worker import RenderSpec, close_renderers, prime_renderer, unpack
from ampy.backends.local import LocalBackend

TEMPLATE = ('%%[ IF Id == 7 THEN RaiseError("bad seven") ENDIF ]%%'
            'Hi %%=v(Name)=%% %%=Lookup("Tiers","Tier","Id",Id)=%%')


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def backend(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    with open(data / "People.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Name"])
        w.writerows([i, f"N{i}"] for i in range(1, 41))
    with open(data / "Tiers.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Tier"])
        w.writerows([i, "gold" if i % 2 else "silver"] for i in range(1, 41))
    b = LocalBackend(str(data))
    b.store.names()
    yield b
    b.close()


def flat(results):
    return [(r.n, r.key, r.html, r.error) for batch in results for r in batch]


def test_dask_output_is_the_single_process_output(client, backend):
    source = DataExtensionSource(backend.store, "People")
    local_spec = RenderSpec(html=TEMPLATE, name="t.amp", key="Name")
    prime_renderer(local_spec, backend)
    try:
        expected = flat(render_in_process(local_spec, source.batches(6)))
    finally:
        close_renderers()
    path = _snapshot(backend.store)
    try:
        spec = RenderSpec(html=TEMPLATE, name="t.amp", key="Name", store_path=path)
        got = flat(render_on_dask(spec, source.batches(6), client))
        ran_on = client.run(lambda: os.getpid())
    finally:
        os.unlink(path)
    assert got == expected
    assert len(got) == 40 and got[0] == (1, "N1", "Hi N1 gold", None)
    assert got[6][:3] == (7, "N7", None) and got[6][3].startswith("t.amp:1:21: RaiseError: bad seven\n")
    assert sum(r[3] is not None for r in got) == 1
    assert len(set(ran_on.values())) == 2 and os.getpid() not in ran_on.values()


def test_the_cli_runs_on_an_existing_scheduler(client, tmp_path):
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    (data / "People.csv").write_text("Id,Name\n" + "".join(f"{i},N{i}\n" for i in range(1, 9)), encoding="utf-8")
    (data / "Tiers.csv").write_text("Id,Tier\n1,gold\n2,silver\n", encoding="utf-8")
    (tmp_path / "t.amp").write_text(TEMPLATE, encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ampy", "render", "t.amp", "--data", "data", "--de", "People",
                        "--engine", "dask", "--scheduler", client.scheduler.address, "--batch-size", "2",
                        "--format", "jsonl"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert p.returncode == 1
    lines = p.stdout.splitlines()
    assert lines[0] == '{"key": "1", "subject": null, "html": "Hi N1 gold", "text": null, "error": null}'
    assert lines[2] == '{"key": "3", "subject": null, "html": "Hi N3 ", "text": null, "error": null}'
    assert len(lines) == 8 and '"error": "t.amp:1:21: RaiseError: bad seven' in lines[6]
    assert p.stderr.startswith("row 7 (7): t.amp:1:21: RaiseError: bad seven\n")
    assert p.stderr.endswith("rendered 7 of 8 row(s), 1 failed\n")


def test_the_audience_is_a_bag_of_partitions_rendered_by_the_workers(client, backend):
    import dask.bag

    path = _snapshot(backend.store)
    try:
        spec = RenderSpec(html=TEMPLATE, name="t.amp", key="Name", store_path=path)
        pages = list(DataExtensionSource(backend.store, "People").pages(15))
        descriptors = [(1, pages[0]), (16, pages[1]), (31, pages[2])]
        bag = audience_bag(spec, descriptors)
        assert isinstance(bag, dask.bag.Bag) and bag.npartitions == 3
        partitions = client.compute(bag.to_delayed())
        got = [[(r.n, r.key, r.html) for r in unpack(packed)] for f in partitions for packed in f.result()]
    finally:
        os.unlink(path)
    assert [len(p) for p in got] == [15, 15, 10]
    assert got[0][0] == (1, "N1", "Hi N1 gold") and got[2][-1] == (40, "N40", "Hi N40 silver")
    assert got[0][6] == (7, "N7", None)  # the failed row is there, with its error (see above)
    assert pages[1] == Page("People", (), 15, 15)


def test_an_unreachable_scheduler_is_a_clear_message(tmp_path):
    import subprocess
    import sys

    (tmp_path / "People.csv").write_text("Id,Name\n1,N1\n2,N2\n", encoding="utf-8")
    (tmp_path / "t.amp").write_text("Hi %%=v(Name)=%%", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ampy", "render", "t.amp", "--data", ".", "--de", "People",
                        "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9", "--format", "jsonl"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300,
                       env={**os.environ, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "1s"})
    assert (p.returncode, p.stdout) == (1, "")
    assert p.stderr.startswith("ampy: cannot reach the Dask scheduler at tcp://127.0.0.1:9: ")
    assert "Traceback" not in p.stderr
