""".NET behaviour that AMPscript inherits: regular expressions and formatting.

- ``ampy.dotnet.regex``: .NET regular expressions translated for the ``regex`` module.
- ``ampy.dotnet.numbers``: ``format_number`` (standard and custom numeric format strings) and
  ``format_currency`` (the FormatCurrency function).
- ``ampy.dotnet.datetimes``: ``format_dotnet`` (standard and custom date format strings) and
  ``format_date_ampscript`` (the FormatDate dialect).
- ``ampy.dotnet.cultures``: culture-name parsing and culture data (Babel/CLDR, with a few explicit
  corrections towards what .NET Framework prints).
"""
