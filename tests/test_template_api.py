"""Template.from_tree and RenderContext.start_next_render: the public hooks the REPL runs on."""

from datetime import datetime

from ampy.runtime.context import RenderContext
from ampy.syntax import ast
from ampy.template import Template, compile_template


def test_from_tree_compiles_a_rewritten_tree_under_the_original_name_and_source():
    parsed = compile_template('%%[ SET @a = Concat("x", "y") ]%%', name="t.amp")
    stmt = parsed.tree.body[0]
    tree = ast.Template((ast.SetVar(stmt.line, stmt.column, "@b", stmt.expr),), parsed.name, parsed.source)
    tpl = Template.from_tree(tree)
    ctx = RenderContext()
    tpl.run(ctx)
    assert (tpl.name, tpl.source, tpl.tree) == ("t.amp", parsed.source, tree)
    assert ctx.vars == {"@b": "xy"}


def test_start_next_render_keeps_variables_and_attributes_but_not_output_or_clock():
    ctx = RenderContext(attributes={"First": "Ann"}, now=datetime(2020, 1, 2, 3, 4, 5))
    compile_template('%%[ SET @n = 1 ]%%hello').run(ctx)
    ctx.cache["rows"] = 1
    ctx.start_next_render()
    assert ctx.out == [] and ctx.cache == {} and ctx.depth == 0
    assert ctx.vars == {"@n": 1}
    assert ctx.attribute("first") == "Ann"
    assert ctx.now != datetime(2020, 1, 2, 3, 4, 5)
