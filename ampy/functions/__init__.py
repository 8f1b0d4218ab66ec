"""Builtin functions, one module per official reference category. Importing this package
registers every builtin in ampy.registry (done lazily, on the first function lookup)."""

from . import (  # noqa: F401
    contacts,
    content,
    data_extensions,
    dates,
    einstein,
    encryption,
    http,
    maths,
    mscrm,
    salesforce,
    sites,
    sms,
    soap_api,
    social,
    strings,
    utilities,
)
