"""Compares a flavour's facts with names.json's and lists every difference in words."""

import json


def _show(value):
    return json.dumps(value, sort_keys=True)


def _keyed_mappings(mappings):
    return {f"{m['function']} <- {m['source']}": m for m in mappings}


def differences(expected, actual, path=""):
    """Human-readable differences between `expected` (names.json) and `actual` (the flavour)."""
    out = []
    if path in ("eventSourceMappings",):
        return differences(_keyed_mappings(expected), _keyed_mappings(actual), path + "[by function <- source]")
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(set(expected) | set(actual)):
            where = f"{path}.{key}" if path else key
            if key not in actual:
                out.append(f"{where}: missing (names.json: {_show(expected[key])[:300]})")
            elif key not in expected:
                out.append(f"{where}: not in names.json (flavour has {_show(actual[key])[:300]})")
            else:
                out.extend(differences(expected[key], actual[key], where))
        return out
    if isinstance(expected, list) and isinstance(actual, list) and path.endswith(
            ("permissions", "httpRoutes", "corsPreflightPaths", "queuesWritableByEventBridge", "buses", "targets",
             "managedPolicies")):
        exp = {_show(v) for v in expected}
        act = {_show(v) for v in actual}
        out.extend(f"{path}: missing {v}" for v in sorted(exp - act))
        out.extend(f"{path}: not in names.json: {v}" for v in sorted(act - exp))
        return out
    if _show(expected) != _show(actual):
        out.append(f"{path}: flavour has {_show(actual)}, names.json says {_show(expected)}")
    return out
