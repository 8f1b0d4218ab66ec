// The Core library's objects, defined when Platform.Load("core", ...) runs. Each method is one
// call of the Python host "core" (ampy/ssjs/core.py); DataExtension rows go through the same
// functions as AMPscript's lookups and writes. Instance methods answer "OK" or "Error".
(function (g) {
    var call = g.__call;

    function core(method, args) {
        return call("core", method, args);
    }

    function eq(property, value) {
        return {Property: property, SimpleOperator: "equals", Value: value};
    }

    // ---- DataExtension: Init is lazy, the key or name is resolved on the first call
    function DataExtension(ref) {
        this.Rows = {
            Retrieve: function (filter) { return core("rows_retrieve", [ref, filter]); },
            Lookup: function (columns, values, limit, orderBy) {
                return core("rows_lookup", [ref, columns, values, limit, orderBy]);
            },
            Add: function (rows) { return core("rows_add", [ref, rows]); },
            Update: function (values, columns, whereValues) {
                return core("rows_update", [ref, values, columns, whereValues]);
            },
            Remove: function (columns, values) { return core("rows_remove", [ref, columns, values]); }
        };
        this.Fields = {
            Retrieve: function () { return core("fields_retrieve", [ref]); },
            Add: function (definition) { return core("fields_add", [ref, definition]); }
        };
    }
    DataExtension.Init = function (ref) { return new DataExtension(ref); };
    DataExtension.Add = function (definition) {
        return new DataExtension(core("data_extension_add", [definition]).CustomerKey);
    };
    DataExtension.Retrieve = function (filter) { return core("data_extension_retrieve", [filter]); };

    // ---- the other objects share one pattern: Init(key), static Add/Retrieve, instance methods
    function coreObject(type) {
        function CoreObject(key) { this.key = key; }
        CoreObject.Init = function (key) { return new this(key); };
        CoreObject.Add = function (definition) { return core("object_add", [type, definition]); };
        CoreObject.Retrieve = function (filter, properties) {
            return core("object_retrieve", [type, filter, properties]);
        };
        CoreObject.prototype.Update = function (values) { return core("object_update", [type, this.key, values]); };
        CoreObject.prototype.Remove = function () { return core("object_remove", [type, this.key]); };
        return CoreObject;
    }

    function performer(type, action) {
        return function (values) { return core("object_perform", [type, this.key, action, values]); };
    }

    var Subscriber = coreObject("Subscriber");
    Subscriber.Init = function (key) {
        var s = new Subscriber(key);
        s.Lists = {
            Retrieve: function () {
                return core("object_retrieve", ["ListSubscriber", eq("SubscriberKey", key),
                    ["ListID", "SubscriberKey", "Status"]]);
            }
        };
        s.Attributes = {
            Retrieve: function () {
                var found = core("object_retrieve", ["Subscriber", eq("SubscriberKey", key), ["Attributes"]]);
                return found.length ? (found[0].Attributes || []) : [];
            }
        };
        return s;
    };
    Subscriber.prototype.Upsert = function (values) { return core("object_upsert", ["Subscriber", this.key, values]); };
    Subscriber.prototype.Unsubscribe = function () { return core("subscriber_unsubscribe", [this.key]); };

    var List = coreObject("List");
    List.Init = function (key) {
        var list = new List(key);
        function listId() {
            var found = core("object_retrieve", ["List", eq("CustomerKey", key), ["ID"]]);
            if (!found.length) throw new Error("List '" + key + "' does not exist");
            return found[0].ID;
        }
        list.Subscribers = {
            Retrieve: function () {
                return core("object_retrieve", ["ListSubscriber", eq("ListID", listId()),
                    ["ListID", "SubscriberKey", "Status"]]);
            },
            Add: function (subscriberKey, email) {
                return core("object_upsert", ["Subscriber", subscriberKey, {
                    EmailAddress: email || subscriberKey, Lists: [{ID: listId(), Status: "Active"}]}]);
            },
            Unsubscribe: function (subscriberKey) {
                return core("object_upsert", ["Subscriber", subscriberKey, {
                    Lists: [{ID: listId(), Status: "Unsubscribed"}]}]);
            }
        };
        return list;
    };

    var TriggeredSend = coreObject("TriggeredSendDefinition");
    TriggeredSend.prototype.Send = function (subscriber, attributes) {
        return core("triggered_send", [this.key, subscriber, attributes]);
    };
    TriggeredSend.prototype.Start = function () {
        return core("object_update", ["TriggeredSendDefinition", this.key, {TriggeredSendStatus: "Active"}]);
    };
    TriggeredSend.prototype.Pause = function () {
        return core("object_update", ["TriggeredSendDefinition", this.key, {TriggeredSendStatus: "Inactive"}]);
    };
    TriggeredSend.prototype.Publish = function () {
        return core("object_update", ["TriggeredSendDefinition", this.key, {RefreshContent: true}]);
    };

    var QueryDefinition = coreObject("QueryDefinition");
    QueryDefinition.prototype.Perform = performer("QueryDefinition", "start");

    var Email = coreObject("Email");
    var Send = coreObject("Send");
    var Folder = coreObject("DataFolder");
    var Template = coreObject("Template");
    var SenderProfile = coreObject("SenderProfile");
    var SendClassification = coreObject("SendClassification");
    var DeliveryProfile = coreObject("DeliveryProfile");

    g.__onCoreLoad(function (global) {
        global.DataExtension = DataExtension;
        global.Subscriber = Subscriber;
        global.List = List;
        global.TriggeredSend = TriggeredSend;
        global.QueryDefinition = QueryDefinition;
        global.Email = Email;
        global.Send = Send;
        global.Folder = Folder;
        global.Template = Template;
        global.SenderProfile = SenderProfile;
        global.SendClassification = SendClassification;
        global.DeliveryProfile = DeliveryProfile;
    });
})(this);
