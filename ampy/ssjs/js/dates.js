// Local time is the platform's Central time (UTC-6, no daylight saving), whatever the machine's
// time zone: QuickJS reads the process's zone, and ampy, a library, must not change TZ. The Date
// constructor from components, Date.parse without a zone, the local getters and setters and the
// string forms are replaced here with versions that work on the time shifted by six hours.
(function (g) {
    var OFFSET = -6 * 3600000, MINUTES = 360;
    var NativeDate = Date, proto = NativeDate.prototype;
    var nativeParse = NativeDate.parse, nativeUTC = NativeDate.UTC, nativeNow = NativeDate.now;
    var getTime = proto.getTime, setTime = proto.setTime, nativeOffset = proto.getTimezoneOffset;
    var defineProperty = Object.defineProperty, objectToString = Object.prototype.toString;
    var scratch = new NativeDate(0);
    var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    // A zone in the text (Z, +hh:mm, GMT, EST...), or an ISO date alone, which ES reads as UTC.
    var ZONED = /(\dZ\s*$)|([+-]\d\d:?\d\d\s*(\([^)]*\))?\s*$)|\b(GMT|UTC|UT|[ECMP][SD]T)\b/i;
    var ISO_DATE = /^\s*[+-]?\d{4,6}(-\d\d(-\d\d)?)?\s*$/;

    function method(name, fn, length) {
        defineProperty(fn, "length", {value: length, configurable: true});
        defineProperty(proto, name, {value: fn, writable: true, enumerable: false, configurable: true});
    }

    // The scratch Date holding this date's Central wall-clock time as its UTC fields.
    function wall(d) {
        setTime.call(scratch, getTime.call(d) + OFFSET);
        return scratch;
    }

    function parse(text) {
        var s = String(text), t = nativeParse(s);
        if (t !== t || ZONED.test(s) || ISO_DATE.test(s)) return t;
        // Read as machine local time: undo the machine's offset at that instant, apply Central's.
        setTime.call(scratch, t);
        return t - nativeOffset.call(scratch) * 60000 - OFFSET;
    }

    function CentralDate(year, month, date, hours, minutes, seconds, ms) {
        if (!(this instanceof CentralDate)) return show(new NativeDate(nativeNow()));
        var n = arguments.length, t;
        if (n === 0) t = nativeNow();
        else if (n === 1) {
            var v = year;
            if (objectToString.call(v) === "[object Date]") t = getTime.call(v);
            else {
                if (v !== null && typeof v === "object") v = v.valueOf();
                t = typeof v === "string" ? parse(v) : Number(v);
            }
        } else t = nativeUTC.apply(null, arguments) - OFFSET;
        return new NativeDate(t);
    }
    defineProperty(CentralDate, "prototype", {value: proto, writable: false, enumerable: false, configurable: false});
    defineProperty(proto, "constructor", {value: CentralDate, writable: true, enumerable: false, configurable: true});
    defineProperty(CentralDate, "length", {value: 7, configurable: true});
    defineProperty(CentralDate, "parse", {value: parse, writable: true, enumerable: false, configurable: true});
    defineProperty(CentralDate, "UTC", {value: nativeUTC, writable: true, enumerable: false, configurable: true});
    defineProperty(CentralDate, "now", {value: nativeNow, writable: true, enumerable: false, configurable: true});
    defineProperty(g, "Date", {value: CentralDate, writable: true, enumerable: false, configurable: true});

    function two(n) { return n < 10 ? "0" + n : String(n); }
    function year(d) {
        var y = d.getUTCFullYear(), a = y < 0 ? -y : y, s = String(a);
        while (s.length < 4) s = "0" + s;
        return (y < 0 ? "-" : "") + s;
    }
    function datePart(d) {
        return DAYS[d.getUTCDay()] + " " + MONTHS[d.getUTCMonth()] + " " + two(d.getUTCDate()) + " " + year(d);
    }
    function timePart(d) {
        return two(d.getUTCHours()) + ":" + two(d.getUTCMinutes()) + ":" + two(d.getUTCSeconds()) + " GMT-0600";
    }
    function valid(d) {
        var t = getTime.call(d);
        return t === t;
    }
    function show(d) { return valid(d) ? datePart(wall(d)) + " " + timePart(wall(d)) : "Invalid Date"; }
    function localDate(d) {
        var w = wall(d);
        return two(w.getUTCMonth() + 1) + "/" + two(w.getUTCDate()) + "/" + year(w);
    }
    function localTime(d) {
        var w = wall(d), h = w.getUTCHours();
        return two(h % 12 === 0 ? 12 : h % 12) + ":" + two(w.getUTCMinutes()) + ":" + two(w.getUTCSeconds()) +
            (h < 12 ? " AM" : " PM");
    }

    method("toString", function () { return show(this); }, 0);
    method("toDateString", function () { return valid(this) ? datePart(wall(this)) : "Invalid Date"; }, 0);
    method("toTimeString", function () { return valid(this) ? timePart(wall(this)) : "Invalid Date"; }, 0);
    method("toLocaleString", function () {
        return valid(this) ? localDate(this) + ", " + localTime(this) : "Invalid Date";
    }, 0);
    method("toLocaleDateString", function () { return valid(this) ? localDate(this) : "Invalid Date"; }, 0);
    method("toLocaleTimeString", function () { return valid(this) ? localTime(this) : "Invalid Date"; }, 0);
    method("getTimezoneOffset", function () { return valid(this) ? MINUTES : NaN; }, 0);

    // getHours() is getUTCHours() of the wall-clock time, and so on.
    var getters = ["FullYear", "Month", "Date", "Day", "Hours", "Minutes", "Seconds", "Milliseconds"];
    for (var i = 0; i < getters.length; i++) {
        (function (utc) {
            method("get" + getters[i], function () { return utc.call(wall(this)); }, 0);
        })(proto["getUTC" + getters[i]]);
    }
    if (typeof proto.getYear === "function") {
        method("getYear", function () { return wall(this).getUTCFullYear() - 1900; }, 0);
    }

    // setHours(...) sets the UTC fields of the wall-clock time and shifts back. setFullYear (and
    // setYear) of an invalid date starts from 0, as the standard says; the others stay invalid.
    function setter(name, utc, length, fromZero) {
        method(name, function () {
            var t = getTime.call(this);
            if (t !== t && fromZero) t = -OFFSET;
            var w = new NativeDate(t + OFFSET);     // not the scratch: the arguments may run code
            var u = utc.apply(w, arguments);
            return setTime.call(this, u === u ? u - OFFSET : NaN);
        }, length);
    }
    var setters = [["FullYear", 3], ["Month", 2], ["Date", 1], ["Hours", 4], ["Minutes", 3], ["Seconds", 2],
        ["Milliseconds", 1]];
    for (var j = 0; j < setters.length; j++) {
        setter("set" + setters[j][0], proto["setUTC" + setters[j][0]], setters[j][1], j === 0);
    }
    if (typeof proto.setYear === "function") {
        var setUTCFullYear = proto.setUTCFullYear;
        setter("setYear", function (y) {
            y = Number(y);
            if (y !== y) return NaN;
            var k = y < 0 ? Math.ceil(y) : Math.floor(y);
            return setUTCFullYear.call(this, k >= 0 && k <= 99 ? 1900 + k : y);
        }, 1, true);
    }
})(this);
