// Script.Util.WSProxy (no Platform.Load needed): each method is one call of the Python host
// "wsproxy" (ampy/ssjs/wsproxy.py), which makes one Partner API call on the render's backend.
(function (g) {
    var call = g.__call;
    var Script = g.Script = g.Script || {};
    var Util = Script.Util = Script.Util || {};

    function WSProxy() {}

    // The host's methods carry the platform's names, so an error names the method the script called.
    var methods = ["retrieve", "getNextBatch", "createItem", "createBatch", "updateItem", "updateBatch",
        "deleteItem", "deleteBatch", "performItem", "performBatch", "execute", "describe",
        "setClientId", "resetClientIds", "setBatchSize"];

    function method(name) {
        return function () {
            return call("wsproxy", name, arguments);
        };
    }

    for (var i = 0; i < methods.length; i++) WSProxy.prototype[methods[i]] = method(methods[i]);
    Util.WSProxy = WSProxy;
})(this);
