// Starts `ampy lsp` (the AMPscript language server) for AMPscript and HTML documents.
"use strict";
const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const config = vscode.workspace.getConfiguration("ampy");
  const command = config.get("command") || "ampy";
  const workspace = config.get("workspace") || undefined;
  const documentSelector = [{ scheme: "file", language: "ampscript" }];
  if (config.get("html")) {
    documentSelector.push({ scheme: "file", language: "html" });
  }
  const server = { command, args: ["lsp"], transport: TransportKind.stdio };
  client = new LanguageClient("ampy", "AMPscript (ampy)", { run: server, debug: server }, {
    documentSelector,
    initializationOptions: workspace ? { workspace } : {},
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
