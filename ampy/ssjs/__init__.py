"""Server-Side JavaScript: ``<script runat="server">`` blocks run on an embedded QuickJS engine
behind an ES5 syntax gate, with the platform's ``Platform`` namespace bound to ampy's builtins.

``bridge`` is the contract between JavaScript and Python host objects; ``engine`` runs one
program per render; ``page`` splits a template into script blocks and AMPscript segments.
"""
