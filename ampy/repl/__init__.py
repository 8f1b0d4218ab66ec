"""The interactive REPL (``ampy repl``): evaluation session, display, completion, lexer and the
prompt_toolkit application. Only ``app`` imports prompt_toolkit."""
