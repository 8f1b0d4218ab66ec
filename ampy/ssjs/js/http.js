// HTTP from SSJS: Script.Util.HttpRequest and Script.Util.HttpGet (no load needed) and Core's
// HTTP.Get/HTTP.Post. Requests are made by the Python host "http" (ampy/ssjs/httprequest.py)
// through the same transport and allowlist as AMPscript's HTTPGet.
(function (g) {
    var call = g.__call;
    var Script = g.Script = g.Script || {};
    var Util = Script.Util = Script.Util || {};

    function HttpRequest(url) {
        this.url = url === undefined || url === null ? "" : String(url);
        this.method = "GET";
        this.contentType = "";
        this.encoding = "Windows-1252";
        this.retries = 1;
        this.continueOnError = false;
        this.emptyContentHandling = 0;
        this.timeout = 30;
        this.postData = null;
        this._headers = {};
    }

    function findHeader(headers, name) {
        var low = String(name).toLowerCase();
        for (var key in headers) {
            if (headers.hasOwnProperty(key) && key.toLowerCase() === low) return key;
        }
        return null;
    }

    HttpRequest.prototype.setHeader = function (name, value) {
        var existing = findHeader(this._headers, name);
        if (existing !== null) delete this._headers[existing];
        this._headers[String(name)] = String(value);
    };
    HttpRequest.prototype.removeHeader = function (name) {
        var existing = findHeader(this._headers, name);
        if (existing !== null) delete this._headers[existing];
    };
    HttpRequest.prototype.clearHeaders = function () {
        this._headers = {};
    };
    HttpRequest.prototype.send = function () {
        return call("http", "send", [{
            url: this.url, method: this._cached ? "GET" : this.method, contentType: this.contentType,
            encoding: this.encoding, postData: this.postData, retries: this.retries,
            continueOnError: this.continueOnError, emptyContentHandling: this.emptyContentHandling,
            timeout: this.timeout, headers: this._headers, cached: this._cached === true
        }]);
    };

    // A GET whose answer is kept for the rest of the render (the platform caches it).
    function HttpGet(url) {
        HttpRequest.call(this, url);
        this._cached = true;
    }
    HttpGet.prototype = new HttpRequest("");
    HttpGet.prototype.constructor = HttpGet;

    Util.HttpRequest = HttpRequest;
    Util.HttpGet = HttpGet;

    g.__onCoreLoad(function (global) {
        global.HTTP = {
            Get: function (url, names, values) {
                return call("http", "get", [url, names, values]);
            },
            Post: function (url, contentType, body, names, values) {
                return call("http", "post", [url, contentType, body, names, values]);
            }
        };
    });
})(this);
