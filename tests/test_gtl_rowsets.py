"""GTL over AMPscript rowsets (issue: "AMPscript variables holding JSON or rowsets"): a rowset is
a list of rows and a row an object, for sections, each, with, paths, datasources and emptiness."""

from __future__ import annotations

import pytest

from ampy.backends import open_backend
from ampy.cloud.workspace import create_workspace
from ampy.template import Template

GOLD = '%%[ SET @rows = LookupRows("Subscribers", "Tier", "Gold") SET @row = Row(@rows, 2) ]%%'
NONE = '%%[ SET @none = LookupRows("Subscribers", "Tier", "Zinc") ]%%'


@pytest.fixture(scope="module")
def backend(tmp_path_factory):
    root = tmp_path_factory.mktemp("rowsets") / "ws"
    create_workspace(str(root))
    opened = open_backend("local", workspace=str(root))
    yield opened
    opened.close()


@pytest.mark.parametrize("source, expected", [
    (GOLD + "{{#each @rows}}{{@index}}:{{FirstName}}{{#if @last}}.{{.else}}, {{/if}}{{/each}}", "0:Ada, 1:Edsger."),
    (GOLD + "{{#@rows}}{{firstname}};{{/@rows}}", "Ada;Edsger;"),
    (GOLD + "{{#with @rows}}{{#each this}}{{City}} {{/each}}{{/with}}", "London Austin "),
    (GOLD + '{{.datasource R type=variable}}{{.data}}{"target":"@rows","order":"City ASC"}{{/data}}'
            "{{FirstName}};{{/datasource}}", "Edsger;Ada;"),
    (GOLD + "{{@row.FirstName}}|{{#with @row}}{{City}}{{/with}}|{{@rows.[0].lastname}}|[{{@rows}}]",
     "Edsger|Austin|Lovelace|[]"),
    (GOLD + "{{#each @row}}{{#if @key == \"Tier\"}}{{@key}}={{this}}{{/if}}{{/each}}", "Tier=Gold"),
    (NONE + "{{#each @none}}x{{else}}none{{/each}} {{^@none}}inv{{/@none}} {{#if @none}}t{{.else}}f{{/if}}",
     "none inv f"),
])
def test_rowsets_are_lists_of_rows(backend, source, expected):
    assert Template(source).render(backend=backend) == expected
