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

from . import engine_defaults as _engine_defaults
from .backends import default_backend as _default_backend
from .errors import AmpscriptError, AmpscriptRuntimeError, AmpscriptSyntaxError

# Wired here, at the top: the engine (template) sits below the backends, whose local cloud renders
# sends. The engine itself (compiler, runtime) loads on first use, so ``import ampy`` and
# ``ampy --version`` stay quick.
_engine_defaults.backend_factory = _default_backend

__version__ = "0.1.0"

__all__ = ["render", "compile", "Template", "Limits", "AmpscriptError", "AmpscriptSyntaxError",
           "AmpscriptRuntimeError", "__version__"]


def __getattr__(name: str):
    if name == "Template":
        from .template import Template

        return Template
    if name == "Limits":
        from .limits import Limits

        return Limits
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def compile(source: str, *, name: str = "<string>", limits: Limits | None = None) -> Template:  # noqa: A001, F821
    """Parse and compile once; the Template is cached by (name, source) and reusable. ``limits``
    bounds the source's size and nesting (template_size, nesting_depth)."""
    from .template import compile_template

    return compile_template(source, name=name, limits=limits)


def render(source: str, *, attributes: Mapping[str, object] | None = None, data_dir=None, content_dir=None,
           backend=None, name: str = "<string>", limits: Limits | None = None, **options) -> str:  # noqa: F821
    """Render ``source`` once. ``backend`` overrides ``data_dir``/``content_dir``. ``limits``
    (an ``ampy.Limits``) replaces the settings' ``[limits]`` for this compile and render.

    Extra keyword options are passed to Template.render (``context="email"``, ``request=...``,
    ``strict=True``, ``trace=callback``).
    """
    from .template import compile_template

    if backend is None and (data_dir is not None or content_dir is not None):
        from .backends.local import folder_backend

        backend = folder_backend(data_dir, content_dir)
    if limits is None and backend is not None:
        settings = getattr(backend, "settings", None)
        limits = getattr(settings, "limits", None)  # a workspace's [limits] also bound the compile
    return compile_template(source, name=name, limits=limits).render(attributes=attributes, backend=backend,
                                                                      limits=limits, **options)
