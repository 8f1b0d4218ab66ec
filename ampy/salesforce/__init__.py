"""A connected Sales & Service Cloud org reached through the Salesforce REST API (``client``),
configured by ``[salesforce]`` in ampy.toml (``config``)."""
