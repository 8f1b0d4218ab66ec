"""Guide Template Language: Content Builder's Mustache-style tags, compiled with AMPscript.

``scanner`` finds the tags inside template text, ``tags`` reads each tag with the grammar in
``grammar/gtl.lark``, ``nodes`` are the syntax tree pieces the AMPscript parser embeds and
``runtime`` holds what the generated render function calls (lookups, escaping, data sources).
"""
