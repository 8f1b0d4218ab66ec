// Runs first in every context: the bridge to Python (__call), Core installers (__onCoreLoad) and
// __seal, which the engine calls after the other library files to remove what the platform lacks.
(function (g) {
    var host = g.__host, takeFault = g.__takeFault, loadLazy = g.__loadLazy, loadDates = g.__loadDates;
    var lazyTop = g.__lazyTop || [], lazyCore = g.__lazyCore || [];
    var FAULT = "\u0000ampy:fault";
    var apply = Function.prototype.apply, slice = Array.prototype.slice;
    var defineProperty = Object.defineProperty, toString = Object.prototype.toString;
    var NativeDate = g.Date;

    // dates.js (Central time) runs on the first use of the global Date; until then Date is an
    // accessor that puts the engine's Date back and runs the file, which replaces it.
    function dates() {
        defineProperty(g, "Date", {value: NativeDate, writable: true, enumerable: false, configurable: true});
        loadDates();
    }
    defineProperty(g, "Date", {
        configurable: true, enumerable: false,
        get: function () { dates(); return g.Date; },
        set: function (v) { dates(); g.Date = v; }
    });
    delete g.__host;
    delete g.__takeFault;
    delete g.__loadLazy;
    delete g.__loadDates;
    delete g.__lazyTop;
    delete g.__lazyCore;

    function hidden(obj, name, value) {
        defineProperty(obj, name, {value: value, writable: false, enumerable: false, configurable: false});
    }

    // A failed host call: an Error with the platform's message and description (spec section 7).
    function fault() {
        var f = takeFault();
        var e = new Error(f[0]);
        e.description = f[1];
        if (f[2] !== null) hidden(e, "__ampyError", f[2]);
        return e;
    }

    // Output is gathered here and handed to Python in one piece before any other host call (so
    // it stays in order with AMPscript output), when it grows large (the output_size check) and
    // at the end: one Python call instead of one per Write.
    var pending = [], pendingSize = 0, FLUSH_AT = 65536;
    function flush() {
        var text = pending.join("");
        pending = [];
        pendingSize = 0;
        var r = host("Write", "flush", text);
        if (r === FAULT) throw fault();
    }

    hidden(g, "__call", function (ns, method, args) {
        if (pendingSize) flush();
        var r = apply.call(host, null, [ns, method].concat(args ? slice.call(args) : []));
        if (r === FAULT) throw fault();
        return r;
    });

    hidden(g, "__flush", function () { if (pendingSize) flush(); });

    // Write's text: strings, whole numbers and booleans (True/False, as .NET prints them) are
    // made here; other numbers go to Python for .NET's number format.
    hidden(g, "__emit", function (v) {
        var text;
        if (typeof v === "string") text = v;
        else if (v === null || v === undefined) return;
        else if (typeof v === "boolean") text = v ? "True" : "False";
        else if (typeof v === "number" && v % 1 === 0 && v > -1e15 && v < 1e15) text = String(v);
        else { g.__call("Write", "text", [v]); return; }
        if (text.length === 0) return;
        pending.push(text);
        pendingSize += text.length || 1;
        if (pendingSize >= FLUSH_AT) flush();
    });

    hidden(g, "__dateMs", function (v) {
        return toString.call(v) === "[object Date]" ? v.getTime() : undefined;
    });

    // The last values thrown by throw statements with the statement's number (throws.py): a value
    // that is not an Error carries no stack, so an uncaught one is placed at its throw.
    var thrown = [], KEEP = 32;
    hidden(g, "__thrown", function (k) {
        var v = arguments[arguments.length - 1];   // throw a, b throws b
        thrown.push(v, k);
        if (thrown.length > KEEP) thrown.splice(0, 2);
        return v;
    });

    // Why a script stopped: [index of an ampy error or null, text, stack, throw number or null]
    hidden(g, "__describe", function (e) {
        var index = null, stack = "", at = null, i;
        if (e !== null && (typeof e === "object" || typeof e === "function")) {
            if (typeof e.__ampyError === "number") index = e.__ampyError;
            if (typeof e.stack === "string") stack = e.stack;
        }
        for (i = thrown.length - 2; i >= 0 && at === null; i -= 2) {
            if (thrown[i] === e || (thrown[i] !== thrown[i] && e !== e)) at = thrown[i + 1];
        }
        var text;
        try { text = String(e); } catch (x) { text = "(an exception that cannot be shown)"; }
        return [index, text, stack, at];
    });

    // The REPL's echo of a value: JSON where it can, the engine's own text otherwise.
    var stringify = JSON.stringify;
    hidden(g, "__show", function (v) {
        if (v === undefined) return null;
        if (typeof v === "function") return "function";
        try {
            var s = stringify(v);
            if (s !== undefined) return s;
        } catch (e) { }
        return String(v);
    });

    var installers = [], loaded = false;
    hidden(g, "__onCoreLoad", function (fn) {
        installers.push(fn);
        if (loaded) fn(g);
    });
    // The library files after platform.js (engine.py) run when the page first uses a global they
    // define (lazyTop) or, once Core is loaded, one their installers define (lazyCore).
    var materialized = false;
    function materialize() {
        if (materialized) return;
        materialized = true;
        var i;
        for (i = 0; i < lazyTop.length; i++) delete g[lazyTop[i]];
        if (loaded) for (i = 0; i < lazyCore.length; i++) delete g[lazyCore[i]];
        loadLazy();     // their installers run as they register when Core is loaded already
    }
    function lazily(name) {
        defineProperty(g, name, {
            configurable: true,
            get: function () { materialize(); return g[name]; },
            set: function (v) { materialize(); g[name] = v; }
        });
    }
    for (var t = 0; t < lazyTop.length; t++) lazily(lazyTop[t]);

    hidden(g, "__loadCore", function () {
        if (loaded) return;
        loaded = true;
        for (var i = 0; i < installers.length; i++) installers[i](g);
        if (materialized) return;
        if (lazyTop.length + lazyCore.length === 0) materialize();
        for (var j = 0; j < lazyCore.length; j++) lazily(lazyCore[j]);
    });
    hidden(g, "__coreInstallers", function () { return installers.length; });

    // Globals and methods the platform's engine (Jint, ES3 plus a few ES5 bits) does not have.
    var absentGlobals = ["JSON", "Promise", "Map", "Set", "WeakMap", "WeakSet", "WeakRef",
        "FinalizationRegistry", "Symbol", "Proxy", "Reflect", "Intl", "ArrayBuffer", "SharedArrayBuffer",
        "DataView", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
        "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array", "BigInt64Array",
        "BigUint64Array", "BigInt", "Atomics", "AggregateError", "Iterator", "escape", "unescape",
        "console", "window", "setTimeout", "clearTimeout", "setInterval", "clearInterval", "queueMicrotask",
        "structuredClone", "print", "globalThis"];
    var absentMethods = {
        "Array.prototype": ["forEach", "map", "filter", "reduce", "reduceRight", "some", "every", "indexOf",
            "find", "findIndex", "findLast", "findLastIndex", "includes", "fill", "flat", "flatMap",
            "copyWithin", "entries", "keys", "values", "at", "toReversed", "toSorted", "toSpliced", "with"],
        "Array": ["isArray", "from", "of", "fromAsync"],
        "Object": ["keys", "values", "entries", "assign", "create", "freeze", "getOwnPropertyNames",
            "getOwnPropertySymbols", "getOwnPropertyDescriptors", "fromEntries", "is", "setPrototypeOf",
            "hasOwn", "groupBy"],
        "String.prototype": ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight", "startsWith", "endsWith",
            "includes", "repeat", "padStart", "padEnd", "codePointAt", "normalize", "matchAll", "replaceAll",
            "at", "isWellFormed", "toWellFormed"],
        "String": ["fromCodePoint", "raw"],
        "Number": ["isInteger", "isSafeInteger", "isNaN", "isFinite", "parseInt", "parseFloat", "EPSILON",
            "MAX_SAFE_INTEGER", "MIN_SAFE_INTEGER"],
        "Math": ["sign", "trunc", "cbrt", "log10", "log2", "log1p", "expm1", "hypot", "fround", "imul", "clz32",
            "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sumPrecise", "f16round"],
        "Date.prototype": ["toISOString", "toJSON"]
    };
    var owners = {
        "Array.prototype": Array.prototype, "Array": Array, "Object": Object,
        "String.prototype": String.prototype, "String": String, "Number": Number, "Math": Math,
        "Date.prototype": NativeDate.prototype
    };

    hidden(g, "__seal", function () {
        var i, owner, names;
        for (i = 0; i < absentGlobals.length; i++) delete g[absentGlobals[i]];
        for (owner in absentMethods) {
            names = absentMethods[owner];
            for (i = 0; i < names.length; i++) delete owners[owner][names[i]];
        }
    });
})(this);
