"""Neutral Partner API objects: a type name plus ordered properties.

Property values are ``str`` (scalars travel as text on the wire), another ``ApiObject``, or a
``list`` of either (arrays). Wrapper arrays (``Fields/Field``) are *not* modelled here: the
property ``Fields`` simply holds a list; serialisers know which arrays are wrapped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def as_items(value: object) -> list:
    """A property value as a list of items: None is no item, a scalar or object is one."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(eq=True)
class ApiObject:
    type: str
    properties: dict[str, object] = field(default_factory=dict)

    def get(self, name: str, default: object = None) -> object:
        """Property by name, ignoring case (AMPscript scripts do not care about case)."""
        if name in self.properties:
            return self.properties[name]
        low = name.lower()
        for k, v in self.properties.items():
            if k.lower() == low:
                return v
        return default

    def get_list(self, name: str) -> list:
        """A property as a list of items (an array given as a single item is a one-item list)."""
        return as_items(self.get(name))

    def set(self, name: str, value: object) -> None:
        low = name.lower()
        for k in self.properties:
            if k.lower() == low:
                self.properties[k] = value
                return
        self.properties[name] = value

    def append(self, name: str, value: object) -> None:
        current = self.get(name)
        if isinstance(current, list):
            current.append(value)
        elif current is None:
            self.set(name, [value])
        else:
            self.set(name, [current, value])

    def ampscript_text(self) -> str:
        return ""  # API object handles are not printable (rule 36)
