"""JavaScript dates in the platform's Central time (UTC-6, no daylight saving), whatever the
machine's time zone: the same script prints the same text under different TZ settings."""

from __future__ import annotations

import os
import subprocess
import sys

import ampy

SCRIPT = """<script runat="server">
var out = [];
function add(v) { out.push(v); }
var d = new Date(2024, 6, 2, 10, 30, 5, 7);
add(d.getTime()); add(d.toString()); add(String(d)); add(d.toDateString()); add(d.toTimeString());
add(d.toLocaleString()); add(d.toLocaleDateString()); add(d.toLocaleTimeString());
add([d.getFullYear(), d.getMonth(), d.getDate(), d.getDay(), d.getHours(), d.getMinutes(), d.getSeconds(),
     d.getMilliseconds(), d.getTimezoneOffset()].join(","));
add([d.getUTCHours(), d.getUTCDate()].join(","));
var late = new Date(Date.UTC(2024, 0, 1, 3, 0, 0));
add(late.toString() + " " + late.getDate() + " " + late.getHours() + " " + late.getDay());
add(Date.parse("Jul 2, 2024 10:00:00")); add(Date.parse("2024-07-02T10:00:00"));
add(new Date("2024/07/02 10:00").getTime());
add(Date.parse("2024-07-02")); add(Date.parse("2024-07-02T10:00:00Z"));
add(Date.parse("Tue Jul 02 2024 10:00:00 GMT+0100")); add(Date.parse("2024-07-02T10:00:00-04:00"));
add(Date.parse("2024/07/02 10:00 EST"));
var s = new Date(2024, 6, 2, 10, 30, 5, 7);
s.setHours(23, 59); add(s.toString());
s.setDate(31); add(s.toString());
s.setMonth(1); add(s.toString());
s.setFullYear(2023, 11, 31); add(s.toString());
s.setMinutes(5, 6, 7); s.setSeconds(8); s.setMilliseconds(9); add(s.getTime());
var bad = new Date(NaN);
add(bad.toString() + " " + bad.getHours() + " " + bad.getTimezoneOffset() + " " + bad.setHours(1));
bad.setFullYear(2020); add(bad.toString());
add(new Date(99, 0).toString());
add(new Date(d).getTime() === d.getTime());
add(typeof Date() + " " + (d instanceof Date) + " " + (d.constructor === Date) + " " + Date.length);
add(Object.prototype.toString.call(d));
Platform.Response.Write(out.join("\\n"));
</script>"""

EXPECTED = """1719937805007
Tue Jul 02 2024 10:30:05 GMT-0600
Tue Jul 02 2024 10:30:05 GMT-0600
Tue Jul 02 2024
10:30:05 GMT-0600
07/02/2024, 10:30:05 AM
07/02/2024
10:30:05 AM
2024,6,2,2,10,30,5,7,360
16,2
Sun Dec 31 2023 21:00:00 GMT-0600 31 21 0
1719936000000
1719936000000
1719936000000
1719878400000
1719914400000
1719910800000
1719928800000
1719932400000
Tue Jul 02 2024 23:59:05 GMT-0600
Wed Jul 31 2024 23:59:05 GMT-0600
Sat Mar 02 2024 23:59:05 GMT-0600
Sun Dec 31 2023 23:59:05 GMT-0600
1704085508009
Invalid Date NaN NaN NaN
Wed Jan 01 2020 00:00:00 GMT-0600
Fri Jan 01 1999 00:00:00 GMT-0600
true
string true true 7
[object Date]"""


def _run_under(tz: str) -> str:
    env = dict(os.environ, TZ=tz)
    code = "import sys, ampy; sys.stdout.write(ampy.render(sys.stdin.read()))"
    done = subprocess.run([sys.executable, "-c", code], input=SCRIPT, capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_same_text_under_any_machine_time_zone():
    tokyo, utc = _run_under("Asia/Tokyo"), _run_under("UTC")
    assert tokyo == EXPECTED
    assert utc == EXPECTED


def test_a_zone_with_daylight_saving_changes_nothing_either():
    assert _run_under("America/New_York") == EXPECTED


def test_platform_dates_read_as_central_time():
    out = ampy.render("""<script runat="server">
var d = Platform.Function.SystemDateToLocalDate("2024-07-02 10:15:00");
var now = Platform.Function.Now();
Platform.Response.Write(d.getHours() + ":" + d.getMinutes() + " " + d.getTimezoneOffset() + " " +
    (now.getTimezoneOffset() === 360));
</script>%%=Format(SystemDateToLocalDate("2024-07-02 10:15:00"), "H:m")=%%""")
    assert out == "11:15 360 true11:15"   # the same wall-clock time as AMPscript
