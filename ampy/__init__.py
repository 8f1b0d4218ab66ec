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
from .limits import Limits
from .template import Template, compile_template, set_default_backend

# Wired here, at the top: the engine (template) sits below the backends, whose local cloud renders sends.
set_default_backend(_default_backend)

__version__ = "0.1.0"

__all__ = ["render", "compile", "Template", "Limits", "AmpscriptError", "AmpscriptSyntaxError",
           "AmpscriptRuntimeError", "__version__"]


def compile(source: str, *, name: str = "<string>", limits: Limits | None = None) -> Template:  # noqa: A001
    """Parse and compile once; the Template is cached by (name, source) and reusable. ``limits``
    bounds the source's size and nesting (template_size, nesting_depth)."""
    return compile_template(source, name=name, limits=limits)


def render(source: str, *, attributes: Mapping[str, object] | None = None, data_dir=None, content_dir=None,
           backend=None, name: str = "<string>", limits: Limits | None = None, **options) -> str:
    """Render ``source`` once. ``backend`` overrides ``data_dir``/``content_dir``. ``limits``
    (an ``ampy.Limits``) replaces the settings' ``[limits]`` for this compile and render.

    Extra keyword options are passed to Template.render (``context="email"``, ``request=...``,
    ``strict=True``, ``trace=callback``).
    """
    if backend is None and (data_dir is not None or content_dir is not None):
        from .backends.local import folder_backend

        backend = folder_backend(data_dir, content_dir)
    if limits is None and backend is not None:
        settings = getattr(backend, "settings", None)
        limits = getattr(settings, "limits", None)  # a workspace's [limits] also bound the compile
    return compile_template(source, name=name, limits=limits).render(attributes=attributes, backend=backend,
                                                                      limits=limits, **options)
