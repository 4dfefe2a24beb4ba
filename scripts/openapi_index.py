#!/usr/bin/env python3
"""Writes schemas/openapi-index.json: the facts of Halo's OpenAPI document, compactly.

usage: scripts/openapi_index.py [halo-openapi.json] [schemas/openapi-index.json]

Facts only: every operation's method, path, tag, parameters (name, location, type) and request
body, plus the top-level fields and types of each schema a request body names and of the schemas
those fields name (one level: an invoice's lines, an approval process's steps). The document's
descriptions are left out, except the type a parameter's description states when it differs from
the declared one: "(array of int)" on a string parameter is how the document says a list filter
takes comma-joined ids. The document declares no response bodies (every response is a bare
"200 Success"), so no list key can be read from it. Output is deterministic (sorted keys).
"""

import json
import re
import sys
from pathlib import Path

DEFAULT_SOURCE = "/work/shared/reference/halo-openapi.json"
ROOT = Path(__file__).resolve().parent.parent

# The document's own parameter type names, folded into a small vocabulary.
PARAM_TYPES = {
    "bool": "bool",
    "boolean": "bool",
    "int": "int",
    "integer": "int",
    "double": "number",
    "number": "number",
    "string": "string",
    "List<int>": "int[]",
    "DateTime": "date-time",
    "obj": "object",
}
DESCRIBED_TYPES = {
    "bool": "bool",
    "int": "int",
    "string": "string",
    "double": "number",
    "array of int": "int[]",
}
STRING_FORMATS = {"date-time", "uuid", "byte", "binary", "date"}


def ref_name(schema):
    return schema["$ref"].rsplit("/", 1)[-1]


def field_type(schema):
    """A schema property's type as a short string: int, number, bool, string, date-time,
    <Schema>, [<type>], object."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return ref_name(schema)
    kind = schema.get("type")
    if kind == "array":
        return "[" + field_type(schema.get("items", {})) + "]"
    if kind == "integer":
        return "int"
    if kind == "boolean":
        return "bool"
    if kind == "string" and schema.get("format") in STRING_FORMATS:
        return schema["format"]
    return kind or "any"


def param_type(param):
    schema = param.get("schema", {})
    declared = schema.get("type")
    if declared == "string" and schema.get("format") in STRING_FORMATS:
        return schema["format"]
    if declared is None:
        return "any"
    return PARAM_TYPES.get(declared, declared)


def described_type(param):
    match = re.match(r"\(([^)]*)\)", param.get("description") or "")
    return DESCRIBED_TYPES.get(match.group(1)) if match else None


def summary(method, path, has_body):
    """A short phrase derived from the method and path, never from the document's prose."""
    segments = [s for s in path.split("/") if s]
    resource = segments[0] if segments else path
    rest = "/".join(segments[1:])
    by_id = bool(segments[1:]) and segments[-1].startswith("{")
    if method == "GET":
        if not segments[1:]:
            return f"list {resource}"
        return f"get one {resource}" if by_id and len(segments) == 2 else f"get {resource}/{rest}"
    if method == "DELETE":
        return f"delete one {resource}" if len(segments) == 2 and by_id else f"delete {path[1:]}"
    if len(segments) == 1 and has_body:
        return f"create or update {resource}"
    return f"post {path[1:]}"


def body_of(operation, schemas_used):
    body = operation.get("requestBody")
    if not body:
        return None
    schema = next(iter(body["content"].values()))["schema"]
    if "$ref" in schema:
        schemas_used.add(ref_name(schema))
        return ref_name(schema)
    if schema.get("type") == "array":
        item = schema.get("items", {})
        if "$ref" in item:
            schemas_used.add(ref_name(item))
        return "[" + field_type(item) + "]"
    if schema.get("properties"):
        return {name: field_type(s) for name, s in sorted(schema["properties"].items())}
    return schema.get("type", "any")


def build(document):
    operations = {}
    schemas_used = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            method = method.upper()
            params = []
            for p in operation.get("parameters", []):
                entry = [p["name"], p["in"], param_type(p)]
                told = described_type(p)
                if told and told != entry[2]:
                    entry.append(told)
                if p.get("required") and p["in"] != "path":
                    entry.append("required")
                params.append(entry)
            op = {"tag": (operation.get("tags") or [""])[0]}
            body = body_of(operation, schemas_used)
            op["summary"] = summary(method, path, body is not None)
            if params:
                op["params"] = params
            if body is not None:
                op["body"] = body
            operations[f"{method} {path}"] = op
    components = document["components"]["schemas"]
    # The schemas bodies name, and one level further: the schemas of their fields (an invoice's
    # lines, an approval process's steps), so nested records can be checked too.
    nested = set()
    for name in schemas_used:
        for s in components[name].get("properties", {}).values():
            item = s.get("items", s) if s.get("type") == "array" else s
            if "$ref" in item:
                nested.add(ref_name(item))
    schemas = {
        name: {field: field_type(s) for field, s in components[name].get("properties", {}).items()}
        for name in sorted(schemas_used | nested)
    }
    return {
        "about": "Facts from Halo's OpenAPI document ('Halo API' v2, OpenAPI "
        + document.get("openapi", "?")
        + "): operations keyed 'METHOD /path' (paths relative to /api); params are "
        "[name, in, type(, type the description states)(, required)]; body is '[Schema]' for an "
        "array of Schema; schemas hold the top-level fields of every schema a body names and of the "
        "schemas their fields name. "
        "Generated by scripts/openapi_index.py; do not edit.",
        "counts": {"paths": len(document["paths"]), "operations": len(operations)},
        "operations": dict(sorted(operations.items())),
        "schemas": schemas,
    }


def main(argv):
    source = Path(argv[1] if len(argv) > 1 else DEFAULT_SOURCE)
    target = Path(argv[2] if len(argv) > 2 else ROOT / "schemas" / "openapi-index.json")
    with source.open(encoding="utf-8") as f:
        index = build(json.load(f))
    # One operation or schema per line: compact, yet a diff shows what changed.
    lines = ["{"]
    lines.append(f'"about": {json.dumps(index["about"])},')
    lines.append(f'"counts": {json.dumps(index["counts"], sort_keys=True)},')
    for key in ("operations", "schemas"):
        lines.append(f'"{key}": {{')
        entries = list(index[key].items())
        for i, (name, value) in enumerate(entries):
            comma = "," if i + 1 < len(entries) else ""
            lines.append(
                json.dumps(name) + ": " + json.dumps(value, separators=(",", ":")) + comma
            )
        lines.append("}," if key == "operations" else "}")
    lines.append("}")
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    size = target.stat().st_size
    print(
        f"{target}: {index['counts']['operations']} operations on {index['counts']['paths']} "
        f"paths, {len(index['schemas'])} schemas, {size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
