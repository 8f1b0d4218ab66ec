// The Platform namespace (no load needed) and the Core globals Platform.Load("core") defines.
// Every call goes to a Python host through __call (ampy/ssjs/platform.py).
(function (g) {
    var call = g.__call;
    var stringify = JSON.stringify, parse = JSON.parse, toString = Object.prototype.toString;
    var defineProperty = Object.defineProperty;

    function method(ns, name) {
        return function () { return call(ns, name, arguments); };
    }

    function printable(v) {
        // Objects print as the engine shows them; strings, numbers and booleans (True/False) in Python.
        return (typeof v === "object" && v !== null) || typeof v === "function" ? String(v) : v;
    }

    var emit = g.__emit;
    function write(v) { emit(printable(v)); }

    // Platform.Function: the documented set; status and response arrays are filled here.
    var F = {};
    var plain = ["Lookup", "LookupRows", "LookupOrderedRows", "InsertData", "UpdateData", "UpsertData",
        "DeleteData", "InsertDE", "UpdateDE", "UpsertDE", "DeleteDE", "TreatAsContent", "ContentBlockByKey",
        "ContentBlockByName", "ContentBlockByID", "ContentArea", "ContentAreaByName", "ContentImageByKey",
        "ContentImageByID", "GUID", "Now", "SystemDateToLocalDate", "LocalDateToSystemDate", "IsEmailAddress",
        "IsPhoneNumber", "IsCHTMLBrowser", "Base64Encode", "Base64Decode", "MD5", "UrlEncode",
        "BeginImpressionRegion", "EndImpressionRegion", "RedirectTo", "RaiseError", "CreateObject",
        "SetObjectProperty", "AddObjectArrayItem", "InvokeConfigure", "InvokeExtract", "InvokeSchedule"];
    for (var i = 0; i < plain.length; i++) F[plain[i]] = method("Function", plain[i]);

    function fill(arr, values) {
        if (arr !== null && typeof arr === "object") {
            for (var k = 0; k < values.length; k++) arr[k] = values[k];
        }
    }

    // name -> position of the array argument that receives the out values
    var withArray = {HTTPGet: 5, HTTPPost: 5, InvokeCreate: 1, InvokeUpdate: 1, InvokeDelete: 1,
        InvokePerform: 2, InvokeRetrieve: 1, InvokeExecute: 1};
    function filling(name, at) {
        return function () {
            var r = call("Function", name, arguments);
            if (r === null || typeof r !== "object" || toString.call(r) !== "[object Array]") return r;
            fill(arguments[at], r.slice(1));
            return r[0];
        };
    }
    for (var name in withArray) F[name] = filling(name, withArray[name]);

    F.Stringify = function (v) {
        if (arguments.length !== 1) throw new Error("Stringify takes exactly 1 argument");
        var s = stringify(v);
        return s === undefined ? "null" : s;
    };
    F.ParseJSON = function (s) {
        if (arguments.length !== 1) throw new Error("ParseJSON takes exactly 1 argument");
        if (s !== null && typeof s === "object") throw new Error("ParseJSON needs a string, not an object");
        if (typeof s !== "string") return null;
        var text = s.replace(/^\s+|\s+$/g, "");
        if (text === "") return null;
        var first = text.charAt(0);
        try {
            var v = parse(text);
        } catch (e) {
            return null;
        }
        return first === "{" || first === "[" ? v : s;    // scalar JSON stays the string it was
    };

    var Variable = {GetValue: method("Variable", "GetValue"), SetValue: method("Variable", "SetValue")};
    var Request = {
        GetQueryStringParameter: method("Request", "GetQueryStringParameter"),
        GetFormField: method("Request", "GetFormField"),
        GetPostData: method("Request", "GetPostData"),
        GetCookieValue: method("Request", "GetCookieValue"),
        GetRequestHeader: method("Request", "GetRequestHeader"),
        GetUserLanguages: method("Request", "GetUserLanguages")
    };
    var props = ["Method", "QueryString", "RequestURL", "ClientIP", "HasSSL", "UserAgent", "ReferrerURL", "Browser"];
    for (i = 0; i < props.length; i++) {
        (function (p) {
            defineProperty(Request, p, {get: function () { return call("Request", "property", [p]); },
                enumerable: true});
        })(props[i]);
    }

    var Response = {
        Write: write,
        Redirect: method("Response", "Redirect"),
        SetResponseHeader: method("Response", "SetResponseHeader"),
        RemoveResponseHeader: method("Response", "RemoveResponseHeader"),
        SetCookie: method("Response", "SetCookie"),
        RemoveCookie: method("Response", "RemoveCookie")
    };
    var writable = ["ContentType", "CharacterSet"];
    for (i = 0; i < writable.length; i++) {
        (function (p) {
            defineProperty(Response, p, {
                get: function () { return call("Response", "get", [p]); },
                set: function (v) { call("Response", "set", [p, v]); },
                enumerable: true
            });
        })(writable[i]);
    }

    g.Platform = {
        Load: function (lib, version) {
            call("Platform", "Load", arguments);
            g.__loadCore();
            return null;
        },
        Function: F,
        Variable: Variable,
        Recipient: {GetAttributeValue: method("Recipient", "GetAttributeValue")},
        Request: Request,
        Response: Response
    };

    // Legacy tags <ctrl:var>, <ctrl:field>, <ctrl:eval> (the page model writes calls to these).
    defineProperty(g, "__ctrlVar", {value: function (name, v) {
        write(v === undefined ? Variable.GetValue("@" + name) : v);
    }});
    defineProperty(g, "__ctrlField", {value: function (name, def) {
        var v = Platform.Recipient.GetAttributeValue(name);
        write(v === null || v === "" ? def : v);
    }});
    defineProperty(g, "__ctrlEval", {value: write});

    g.__onCoreLoad(function (g) {
        g.Write = write;
        g.Stringify = F.Stringify;
        g.Variable = Variable;
        g.Attribute = {GetValue: method("Recipient", "GetAttributeValue")};
        g.Request = Request;
        g.HTTPHeader = {
            GetValue: method("Request", "GetRequestHeader"),
            SetValue: method("Response", "SetResponseHeader")
        };
        g.Redirect = Response.Redirect;
        g.Now = F.Now;
        g.GUID = F.GUID;
        g.Format = method("Function", "Format");
        g.Base64Encode = F.Base64Encode;
        g.Base64Decode = F.Base64Decode;
        g.IsEmailAddress = F.IsEmailAddress;
        g.IsPhoneNumber = F.IsPhoneNumber;
        g.ContentArea = F.ContentArea;
        g.ContentAreaByName = F.ContentAreaByName;
    });
})(this);
