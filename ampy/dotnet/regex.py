""".NET regular expressions on top of the third-party ``regex`` module (RegExMatch, rule 22).

The pattern is translated, not reimplemented. ``regex`` runs in its VERSION1 mode because that mode
scopes inline options the .NET way (``a(?i)b`` turns ignore-case on up to the end of the enclosing
group) and has character-class subtraction. What the translation takes care of:

- .NET group numbering: unnamed groups are numbered first, then named groups in order of first
  appearance (``(?<x>a)(b)``: group 1 is ``(b)``, group 2 is ``x``); back-references follow it.
- ``(?'name'...)``, ``\\k<name>``, ``\\k'name'``, the ``n`` (ExplicitCapture) inline option,
  ``\\e``, ``\\cX``, ``\\Z`` (end or before a final newline), ``\\p{IsBlock}``, class subtraction
  ``[a-z-[aeiou]]``, ``{`` that is not a quantifier (``x{,3}`` is literal in .NET).
- Characters that VERSION1 would read as set operators inside ``[...]`` (``[ & | ~ --``) are escaped.
- Unrecognised letter escapes (``\\q``) are errors as in .NET. Balancing groups are not supported.

Errors are ``ValueError`` carrying the parser's message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import regex

_OPTION_FLAGS = {
    "none": 0,
    "ignorecase": regex.IGNORECASE,
    "multiline": regex.MULTILINE,
    "singleline": regex.DOTALL,
    "ignorepatternwhitespace": regex.VERBOSE,
    "explicitcapture": 0,  # handled by the translation
    "cultureinvariant": 0,  # case mapping here is culture-free already
    "compiled": 0,  # a .NET performance hint
    "ecmascript": regex.ASCII,
    "righttoleft": regex.REVERSE,
}
_ECMASCRIPT_COMPANIONS = {"none", "ecmascript", "ignorecase", "multiline", "compiled"}

_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t",
                   "v": "\v"}
_CLASS_ESCAPES = frozenset("dDwWsS")
# Pieces of .NET pattern syntax the translator recognises, compiled once.
_QUANTIFIER = regex.compile(r"\{\d+(?:,\d*)?\}")
_NAMED_GROUP = regex.compile(r"\(\?(?:<(?![=!])([^>]*)>|'([^']*)')")
_INLINE_OPTIONS = regex.compile(r"\(\?([imnsx]*)(?:-([imnsx]*))?([:)])")
_GROUP_CONDITION = regex.compile(r"\(\?\((?:(\d+)|(\w+))\)")
_BRACED_NAME = regex.compile(r"\{([^}]*)\}")
_ANCHOR_ESCAPES = frozenset("AGbBz")  # same meaning in .NET and regex (\b here is outside a class)


def _literal(ch: str) -> str:
    """A character as an escape that means itself everywhere, also inside a VERSION1 set."""
    code = ord(ch)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


@dataclass
class _Capture:
    name: str | None


@dataclass
class _Translation:
    text: str
    flags: int
    # .NET group number -> the regex group (int index or name).
    numbers: dict[int, int | str] = field(default_factory=dict)
    names: frozenset[str] = frozenset()


class _Translator:
    """One left-to-right pass over a .NET pattern, producing VERSION1 regex syntax."""

    def __init__(self, pattern: str, explicit: bool, verbose: bool):
        self.p = pattern
        self.i = 0
        self.out: list[object] = []  # str, or a callable resolved once all groups are known
        self.captures: list[_Capture] = []
        self.explicit = explicit
        self.verbose = verbose
        self.stack: list[tuple[bool, bool]] = []  # options to restore when a group closes

    def error(self, message: str) -> ValueError:
        return ValueError(f"Invalid pattern '{self.p}' at offset {self.i}. {message}")

    # --- the top level ---------------------------------------------------------------------

    def run(self) -> None:
        p = self.p
        while self.i < len(p):
            ch = p[self.i]
            if ch == "\\":
                self.i += 1
                self.out.append(self.escape())
            elif ch == "[":
                self.i += 1
                self.out.append(self.char_class())
            elif ch == "(":
                self.group()
            elif ch == ")":
                if not self.stack:
                    raise self.error("Too many )'s.")
                self.explicit, self.verbose = self.stack.pop()
                self.out.append(")")
                self.i += 1
            elif ch == "{":
                self.brace()
            elif self.verbose and ch in " \t\r\n\f\v":
                self.i += 1  # ignorable; dropped so it cannot glue tokens together
            elif self.verbose and ch == "#":
                end = p.find("\n", self.i)
                self.i = len(p) if end < 0 else end + 1
            else:
                self.out.append(ch)
                self.i += 1
        if self.stack:
            raise self.error("Not enough )'s.")

    def brace(self) -> None:
        """``{n}``, ``{n,}``, ``{n,m}`` quantify; any other ``{`` is a literal in .NET."""
        m = _QUANTIFIER.match(self.p, self.i)
        if m:
            self.out.append(m.group())
            self.i = m.end()
        else:
            self.out.append("\\{")
            self.i += 1

    def group(self) -> None:
        p, i = self.p, self.i
        self.stack.append((self.explicit, self.verbose))
        if not p.startswith("(?", i):
            self.i = i + 1
            if self.explicit:
                self.out.append("(?:")
            else:
                self.captures.append(_Capture(None))
                self.out.append("(")
            return
        rest = p[i + 2: i + 3]
        if rest == "#":
            end = p.find(")", i)
            if end < 0:
                raise self.error("Unterminated (?#...) comment.")
            self.stack.pop()
            self.i = end + 1
            return
        named = _NAMED_GROUP.match(p, i)
        if named:
            self.named_group(named.group(1) if named.group(1) is not None else named.group(2))
            self.i = named.end()
            return
        if rest == "(":
            self.conditional()
            return
        options = _INLINE_OPTIONS.match(p, i)
        if options and (options.group(1) or options.group(2) is not None):
            self.inline_options(options.group(1), options.group(2) or "", options.group(3) == ":")
            self.i = options.end()
            return
        # (?: (?= (?! (?<= (?<! (?> have the same spelling in regex.
        for opener in ("(?:", "(?=", "(?!", "(?<=", "(?<!", "(?>"):
            if p.startswith(opener, i):
                self.out.append(opener)
                self.i = i + len(opener)
                return
        raise self.error("Unrecognized grouping construct.")

    def named_group(self, name: str) -> None:
        if "-" in name:
            raise self.error("Balancing groups are not supported.")
        if not name or not all(c.isalnum() or c == "_" for c in name):
            raise self.error("Invalid group name: Group names must begin with a word character.")
        if name[0].isdigit():
            raise self.error("Numbered group names are not supported.")
        self.captures.append(_Capture(name))
        self.out.append(f"(?P<{name}>")

    def conditional(self) -> None:
        """``(?(1)yes|no)`` refers to a .NET number, ``(?(name)...)`` to a group when one has that
        name and is a lookahead otherwise (as in .NET); ``(?(?=...)...)`` passes through."""
        p = self.p
        m = _GROUP_CONDITION.match(p, self.i)
        if m and m.group(1):
            number = int(m.group(1))
            self.out.append(lambda t: f"(?({self.group_ref(t, number, name_form=True)})")
            self.i = m.end()
        elif m:
            name = m.group(2)
            self.out.append(lambda t: f"(?({name})" if name in t.names else f"(?(?={name})")
            self.i = m.end()
        elif p.startswith("?", self.i + 3):
            self.out.append("(?")  # the test itself is read as an ordinary lookaround group next
            self.i += 2
        else:
            raise self.error("Illegal conditional (?(...)) expression.")

    def inline_options(self, on: str, off: str, scoped: bool) -> None:
        explicit, verbose = self.explicit, self.verbose
        if "n" in on:
            explicit = True
        if "n" in off:
            explicit = False
        if "x" in on:
            verbose = True
        if "x" in off:
            verbose = False
        on, off = on.replace("n", ""), off.replace("n", "")
        spelled = on + ("-" + off if off else "")
        if scoped:
            self.out.append(f"(?{spelled}:")
        else:
            self.stack.pop()  # "(?i)" opens no group
            if spelled:
                self.out.append(f"(?{spelled})")
        self.explicit, self.verbose = explicit, verbose

    # --- escapes ---------------------------------------------------------------------------

    def escape(self) -> object:
        """After a backslash outside a class."""
        p = self.p
        if self.i >= len(p):
            raise self.error("Illegal \\ at end of pattern.")
        ch = p[self.i]
        if ch in _ANCHOR_ESCAPES or ch in _CLASS_ESCAPES:
            self.i += 1
            return "\\" + ch
        if ch == "Z":
            self.i += 1
            return r"(?=\n?\z)"
        if ch in "pP":
            return self.property(ch)
        if ch == "k" and self.i + 1 < len(p) and p[self.i + 1] in "<'":
            close = ">" if p[self.i + 1] == "<" else "'"
            end = p.find(close, self.i + 2)
            if end < 0:
                raise self.error("Malformed \\k<...> named back reference.")
            name = p[self.i + 2: end]
            self.i = end + 1
            if name.isdigit():
                number = int(name)
                return lambda t: self.group_ref(t, number)
            return lambda t: self.name_ref(t, name)
        if "1" <= ch <= "9":
            start = self.i
            while self.i < len(p) and p[self.i].isdigit():
                self.i += 1
            digits = p[start: self.i]
            return lambda t: self.number_or_octal(t, digits)
        return _literal(self.char_escape())

    def char_escape(self) -> str:
        """A backslash escape naming one character (self.i just past the backslash)."""
        p = self.p
        ch = p[self.i]
        self.i += 1
        if ch in _SIMPLE_ESCAPES:
            return _SIMPLE_ESCAPES[ch]
        if ch in "xu":
            size = 2 if ch == "x" else 4
            digits = p[self.i: self.i + size]
            if len(digits) < size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise self.error("Insufficient hexadecimal digits.")
            self.i += size
            return chr(int(digits, 16))
        if ch == "c":
            if self.i >= len(p):
                raise self.error("Missing control character.")
            code = ord(p[self.i].upper()) - 64
            if not 0 <= code < 32:
                raise self.error("Unrecognized control character.")
            self.i += 1
            return chr(code)
        if ch in "01234567":
            digits = ch
            while len(digits) < 3 and self.i < len(p) and p[self.i] in "01234567":
                digits += p[self.i]
                self.i += 1
            return chr(int(digits, 8) & 0xFF)
        if ch in _WORD:
            raise self.error(f"Unrecognized escape sequence \\{ch}.")
        return ch

    def property(self, letter: str) -> str:
        m = _BRACED_NAME.match(self.p, self.i + 1)
        if not m:
            raise self.error("Incomplete \\p{X} character escape.")
        self.i = m.end()
        name = m.group(1)
        if name.startswith("Is"):
            name = "Block=" + name[2:]  # .NET "IsGreek" names a block, regex's would be the script
        return f"\\{letter}{{{name}}}"

    # --- character classes -----------------------------------------------------------------

    def char_class(self) -> str:
        """From just after ``[`` to just after the matching ``]``, in VERSION1 set syntax."""
        p = self.p
        parts = ["["]
        if p.startswith("^", self.i):
            parts.append("^")
            self.i += 1
        first = True
        previous_char = False  # the last item was one character that could start a range
        while True:
            if self.i >= len(p):
                raise self.error("Unterminated [] set.")
            ch = p[self.i]
            if ch == "]" and not first:
                self.i += 1
                parts.append("]")
                return "".join(parts)
            first = False
            if ch == "-" and p.startswith("[", self.i + 1) and len(parts) > 1:
                self.i += 2
                parts.append("--" + self.char_class())
                if not p.startswith("]", self.i):
                    raise self.error("A subtraction must be the last element in a character class.")
                continue
            if ch == "-" and previous_char and not p.startswith("]", self.i + 1):
                self.i += 1
                end_text, end_is_char = self.class_item()
                if not end_is_char:
                    raise self.error("Cannot include class in character range.")
                parts.append("-" + end_text)
                previous_char = False
                continue
            text, previous_char = self.class_item()
            parts.append(text)

    def class_item(self) -> tuple[str, bool]:
        """One member of a class: (regex text, whether it is a single character)."""
        p = self.p
        ch = p[self.i]
        if ch != "\\":
            self.i += 1
            return _literal(ch), True
        self.i += 1
        if self.i >= len(p):
            raise self.error("Illegal \\ at end of pattern.")
        letter = p[self.i]
        if letter in _CLASS_ESCAPES:
            self.i += 1
            return "\\" + letter, False
        if letter in "pP":
            return self.property(letter), False
        if letter == "b":
            self.i += 1
            return _literal("\b"), True  # backspace inside a class, as in .NET
        return _literal(self.char_escape()), True

    # --- group references (resolved when every group is known) -------------------------------

    def number_or_octal(self, t: _Translation, digits: str) -> str:
        number = int(digits)
        if number in t.numbers:
            return self.group_ref(t, number)
        if number <= 9:
            raise ValueError(f"Invalid pattern '{self.p}'. Reference to undefined group number {number}.")
        # .NET then reads the digits as an octal character escape (up to three octal digits).
        octal = ""
        for c in digits:
            if c not in "01234567" or len(octal) == 3:
                break
            octal += c
        if not octal:
            raise ValueError(f"Invalid pattern '{self.p}'. Reference to undefined group number {number}.")
        return _literal(chr(int(octal, 8) & 0xFF)) + "".join(_literal(c) for c in digits[len(octal):])

    def group_ref(self, t: _Translation, number: int, name_form: bool = False) -> str:
        target = t.numbers.get(number)
        if target is None:
            raise ValueError(f"Invalid pattern '{self.p}'. Reference to undefined group number {number}.")
        return str(target) if name_form else f"\\g<{target}>"

    def name_ref(self, t: _Translation, name: str) -> str:
        if name not in t.names:
            raise ValueError(f"Invalid pattern '{self.p}'. Reference to undefined group name {name}.")
        return f"\\g<{name}>"

    def finish(self, flags: int) -> _Translation:
        # regex numbers groups in order of "(" and gives a repeated name its first number.
        py_numbers: list[int] = []
        by_name: dict[str, int] = {}
        count = 0
        for capture in self.captures:
            if capture.name is not None and capture.name in by_name:
                py_numbers.append(by_name[capture.name])
                continue
            count += 1
            py_numbers.append(count)
            if capture.name is not None:
                by_name[capture.name] = count
        numbers: dict[int, int | str] = {}
        dotnet = 0
        for capture, py in zip(self.captures, py_numbers):
            if capture.name is None:
                dotnet += 1
                numbers[dotnet] = py
        for name in by_name:
            dotnet += 1
            numbers[dotnet] = name
        t = _Translation("", flags, numbers, frozenset(by_name))
        # (?-f): VERSION1 would fold case fully (ß = ss); .NET compares one character at a time.
        t.text = "(?-f)" + "".join(piece if isinstance(piece, str) else piece(t) for piece in self.out)
        return t


def _option_names(options: Iterable[str] | str) -> tuple[str, ...]:
    """Option names as a hashable tuple. One string may list several, comma-separated, the way
    .NET's ``Enum.Parse`` reads ``"IgnoreCase, Multiline"``."""
    if isinstance(options, str):
        options = (options,)
    names: list[str] = []
    for option in options:
        names.extend(part.strip() for part in str(option).split(","))
    return tuple(names)


def _option_flags(options: tuple[str, ...]) -> tuple[int, bool]:
    flags = 0
    names = set()
    for option in options:
        key = option.lower()
        if key not in _OPTION_FLAGS:
            raise ValueError(f"Unknown regular expression option '{option}'")
        names.add(key)
        flags |= _OPTION_FLAGS[key]
    if "ecmascript" in names and not names <= _ECMASCRIPT_COMPANIONS:
        raise ValueError("ECMAScript can only be combined with IgnoreCase and Multiline")
    return flags, "explicitcapture" in names


@lru_cache(maxsize=256)
def _compile(pattern: str, options: tuple[str, ...]) -> tuple[regex.Pattern, _Translation]:
    flags, explicit = _option_flags(options)
    translator = _Translator(pattern, explicit, bool(flags & regex.VERBOSE))
    translator.run()
    translation = translator.finish(flags)
    try:
        compiled = regex.compile(translation.text, flags | regex.VERSION1)
    except regex.error as exc:
        raise ValueError(f"Invalid pattern '{pattern}': {exc}") from None
    return compiled, translation


def compile_dotnet(pattern: str, options: Iterable[str] | str = ()) -> regex.Pattern:
    """A .NET pattern with .NET option names (any case), compiled for the ``regex`` module.

    Note that the returned pattern numbers groups the regex way; ``regex_match`` applies the .NET
    numbering (unnamed groups first, then named ones).
    """
    return _compile(pattern, _option_names(options))[0]


class RegexTimeout(Exception):
    """A match ran longer than its timeout (catastrophic backtracking, as in ``^(a|a)*$``)."""


def regex_match(source: str, pattern: str, group: str | int,
                options: Iterable[str] | str = (), timeout: float | None = None) -> str:
    """RegExMatch: the chosen group of the first match, ``""`` when nothing matches or the group
    did not take part. Groups go by .NET number (numeric text too) or by name; an unknown group is
    a ``ValueError``. A search running longer than ``timeout`` seconds raises RegexTimeout."""
    compiled, translation = _compile(pattern, _option_names(options))
    target = _group_target(translation, group)
    try:
        m = compiled.search(source, timeout=timeout)
    except TimeoutError:
        raise RegexTimeout(f"the match ran longer than {timeout} seconds") from None
    if m is None:
        return ""
    value = m.group(target)
    return "" if value is None else value


def _group_target(translation: _Translation, group: object) -> int | str:
    if isinstance(group, float) and group.is_integer():
        group = int(group)
    if isinstance(group, str) and group.strip().isdigit():
        group = int(group.strip())
    if isinstance(group, int) and not isinstance(group, bool):
        if group == 0:
            return 0
        if group in translation.numbers:
            return translation.numbers[group]
        raise ValueError(f"Group {group} does not exist in the pattern")
    name = str(group)
    if name in translation.names:
        return name
    raise ValueError(f"Group '{name}' does not exist in the pattern")
