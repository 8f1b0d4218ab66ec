"""A small LSP client for the tests: starts ``ampy lsp`` and speaks JSON-RPC with Content-Length
framing over its stdin/stdout."""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading


class LspClient:
    def __init__(self, *args: str, cwd: str | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", "ampy", "lsp", *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        self._id = 0
        self._messages: queue.Queue = queue.Queue()
        self.notifications: list[dict] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        while True:
            length = None
            while True:
                line = out.readline()
                if not line:
                    self._messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            self._messages.put(json.loads(out.read(length)))

    def send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict | None, timeout: float = 60) -> object:
        self._id += 1
        wanted = self._id
        self.send({"id": wanted, "method": method, "params": params})
        while True:
            message = self._messages.get(timeout=timeout)
            if message is None:
                raise EOFError(self.proc.stderr.read().decode("utf-8", "replace"))
            if message.get("id") == wanted and "method" not in message:
                if "error" in message:
                    raise RuntimeError(message["error"])
                return message.get("result")
            self.notifications.append(message)

    def wait_notification(self, method: str, timeout: float = 60, where=lambda params: True) -> dict:
        for i, m in enumerate(self.notifications):
            if m.get("method") == method and where(m["params"]):
                return self.notifications.pop(i)["params"]
        while True:
            message = self._messages.get(timeout=timeout)
            if message is None:
                raise EOFError(self.proc.stderr.read().decode("utf-8", "replace"))
            if message.get("method") == method and where(message["params"]):
                return message["params"]
            self.notifications.append(message)

    def initialize(self, root_uri: str | None = None, options: dict | None = None) -> dict:
        result = self.request("initialize", {"processId": None, "rootUri": root_uri, "capabilities": {},
                                             "initializationOptions": options})
        self.notify("initialized", {})
        return result

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "ampscript",
                                                              "version": version, "text": text}})

    def close(self) -> int:
        try:
            self.request("shutdown", None)
            self.notify("exit", None)
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                f.close()
