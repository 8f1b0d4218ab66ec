// Tokenizes files with the AMPscript grammar and VS Code's TextMate engine (vscode-textmate +
// vscode-oniguruma); prints {file: [[{text, scopes}, ...] per line]} as JSON.
// Usage: node tokenize.js FILE...
"use strict";
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const grammarPath = path.join(__dirname, "..", "syntaxes", "ampscript.tmLanguage.json");
const wasm = fs.readFileSync(require.resolve("vscode-oniguruma/release/onig.wasm")).buffer;

const onigLib = oniguruma.loadWASM(wasm).then(() => ({
  createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
  createOnigString: (s) => new oniguruma.OnigString(s),
}));

const registry = new vsctm.Registry({
  onigLib,
  // Only the AMPscript grammar is here; HTML's own grammar ships with VS Code, not on npm.
  loadGrammar: async (scopeName) => scopeName === "text.html.ampscript"
    ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, "utf8"), grammarPath)
    : null,
});

async function main() {
  const grammar = await registry.loadGrammar("text.html.ampscript");
  const out = {};
  for (const file of process.argv.slice(2)) {
    let state = vsctm.INITIAL;
    out[file] = fs.readFileSync(file, "utf8").split(/\r?\n/).map((line) => {
      const result = grammar.tokenizeLine(line, state);
      state = result.ruleStack;
      return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
    });
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error(e); process.exit(1); });
