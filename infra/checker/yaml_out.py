"""A small YAML writer for the generated SAM template (block style; every string double-quoted, as JSON)."""

import json
import re

PLAIN_KEY = re.compile(r"^[A-Za-z0-9_.:/-]+$")


def _key(key):
    return key if PLAIN_KEY.match(key) else json.dumps(key)


def _scalar(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def dump(value, indent=0):
    """`value` (dicts, lists, strings, numbers, booleans) as YAML text."""
    pad = "  " * indent
    lines = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{_key(key)}:")
                lines.append(dump(item, indent + 1))
            else:
                lines.append(f"{pad}{_key(key)}: {_scalar(item) if not isinstance(item, (dict, list)) else json.dumps(item)}")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, (dict, list)) and item:
                body = dump(item, indent + 1)
                lines.append(f"{pad}- {body.lstrip()}")
            else:
                lines.append(f"{pad}- {_scalar(item) if not isinstance(item, (dict, list)) else json.dumps(item)}")
    else:
        lines.append(pad + _scalar(value))
    return "\n".join(lines)
