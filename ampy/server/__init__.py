"""``ampy serve``: a workspace's local Marketing Cloud served as the Partner (SOAP) API, with the
token endpoint and the Volt MX campaign REST API, on waitress."""
