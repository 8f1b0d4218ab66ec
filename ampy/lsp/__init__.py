"""``ampy lsp``: AMPscript for editors over the Language Server Protocol (the server needs pygls;
``analysis`` answers the questions without it)."""
