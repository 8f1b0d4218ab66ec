"""One QuickJS runtime per thread, reused by the renders of that thread, each in a fresh context.

A context holds everything a script can change (globals, prototypes), so a new one per render keeps
renders apart; the runtime holds what is only an engine's bookkeeping (interned names, the
allocator) and costs a render less when it already exists: names of the library files are interned
once, not once per render. A render borrows the thread's runtime (a nested render on the same
thread — a content block with a script inside a script's page — makes its own), its memory limit
counts from what the runtime held before, and a runtime that saw a failure is not lent again.
"""

from __future__ import annotations

import threading

_local = threading.local()


class Lease:
    """A runtime for one render: ``rt``, the memory it held at the start (``base``) and whether it
    goes back to the thread when the render ends well."""

    __slots__ = ("rt", "base", "shared")

    def __init__(self, rt, base: int, shared: bool):
        self.rt, self.base, self.shared = rt, base, shared

    def used(self) -> int:
        """Bytes the render's context allocated so far."""
        return self.rt.compute_memory_usage().get("malloc_size", 0) - self.base


def borrow(memory_limit: int, warm=None) -> Lease:
    """The thread's runtime when it is free (else a new one), limited to ``memory_limit`` bytes
    beyond what it holds now. ``warm(rt)`` runs once on a new thread runtime; what it returns is
    kept as long as the runtime (e.g. the library's bytecode read into a context of its own, which
    keeps the library's names interned, so each render's context reads the library faster)."""
    import quickjs

    rt = None if getattr(_local, "busy", False) else getattr(_local, "runtime", None)
    shared = not getattr(_local, "busy", False)
    if rt is None:
        rt = quickjs.Runtime()
        if shared:
            _local.runtime = rt
            _local.kept = warm(rt) if warm is not None else None
    if shared:
        _local.busy = True
    base = rt.compute_memory_usage().get("malloc_size", 0)
    rt.set_memory_limit(base + int(memory_limit))
    return Lease(rt, base, shared)


def give_back(lease: Lease, clean: bool) -> None:
    """End a render's use of the runtime. Cycles the script left are collected now so the next
    render's limit counts from an empty heap; after a failure (an exception, a limit) the thread
    gets a new runtime next time."""
    rt = lease.rt
    rt.set_interrupt_handler(None)
    if not lease.shared:
        return
    _local.busy = False
    if clean:
        rt.run_gc()
        rt.set_memory_limit(-1)
    else:
        _local.runtime = _local.kept = None


__all__ = ["Lease", "borrow", "give_back"]
