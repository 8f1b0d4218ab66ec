""".NET behaviour that AMPscript inherits: regular expressions and formatting."""
