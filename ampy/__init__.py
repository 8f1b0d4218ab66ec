"""ampy: AMPscript, Salesforce Marketing Cloud's scripting and templating language, in Python.

The public API (pinned)::

    ampy.render(source, *, attributes=None, data_dir=None, content_dir=None, backend=None,
                name="<string>") -> str
    ampy.compile(source, *, name="<string>") -> ampy.Template
    Template.render(*, attributes=None, backend=None) -> str
    ampy.AmpscriptError / AmpscriptSyntaxError / AmpscriptRuntimeError
"""

from __future__ import annotations

from collections.abc import Mapping

from .backends import default_backend as _default_backend
from .errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError
from .template import Template, compile_template, set_default_backend

# Wired here, at the top: the engine (template) sits below the backends, whose local cloud renders sends.
set_default_backend(_default_backend)

__version__ = "0.1.0"

__all__ = ["render", "compile", "Template", "AmpscriptError", "AmpscriptSyntaxError",
           "AmpscriptRuntimeError", "__version__"]


def compile(source: str, *, name: str = "<string>") -> Template:  # noqa: A001 - pinned public name
    """Parse and compile once; the Template is cached by (name, source) and reusable."""
    return compile_template(source, name=name)


def render(source: str, *, attributes: Mapping[str, object] | None = None, data_dir=None, content_dir=None,
           backend=None, name: str = "<string>", **options) -> str:
    """Render ``source`` once. ``backend`` overrides ``data_dir``/``content_dir``.

    Extra keyword options are passed to Template.render (``context="email"``, ``request=...``).
    """
    if backend is None and (data_dir is not None or content_dir is not None):
        from .backends.local import folder_backend

        backend = folder_backend(data_dir, content_dir)
    return compile_template(source, name=name).render(attributes=attributes, backend=backend, **options)
