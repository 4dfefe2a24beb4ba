#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/) from schemas/.

Run it again after adding or changing a tool; libFuzzer grows its own corpus from these seeds.
One seed per tool for the targets that call tools, plus protocol and edge-case seeds.
"""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = pathlib.Path(__file__).resolve().parent / "corpus"


def load_tools():
    tools = []
    for path in sorted((ROOT / "schemas").glob("*/*.json")):
        spec = json.loads(path.read_text())
        if "inputSchema" in spec:
            tools.append(spec)
    return sorted(tools, key=lambda t: t["name"])  # ToolRegistry::tools() order


def example(schema, name=""):
    """A plausible value for one property."""
    if "enum" in schema:
        return schema["enum"][0]
    t = schema.get("type", "string")
    if isinstance(t, list):
        t = t[0]
    if t == "integer":
        return max(1, schema.get("minimum", 1))
    if t == "number":
        return 1.5
    if t == "boolean":
        return True
    if t == "array":
        return [example(schema.get("items", {}))]
    if t == "object":
        return {}
    if schema.get("format") == "date":
        return "2026-01-05"
    if schema.get("format") == "date-time":
        return "2026-01-05T09:12:00Z"
    return {"client": "alpha", "user": "u1@example.com", "agent": "Beta Co"}.get(name, "Alpha")


# Left out of the seeds: an invented cursor is refused, and these pairs exclude each other.
SKIPPED = {"cursor", "time_hours", "closed_only", "closed_from", "closed_to"}


def arguments(tool):
    props = tool["inputSchema"].get("properties", {})
    return {k: example(v, k) for k, v in props.items() if k not in SKIPPED}


def line(obj):
    return json.dumps(obj, separators=(",", ":"))


LEGACY_INIT = [
    {"jsonrpc": "2.0", "id": 0, "method": "initialize",
     "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "fuzz", "version": "1"}}},
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
]
MODERN_META = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": {}}


def call(tool, args, id_=1, meta=None):
    params = {"name": tool, "arguments": args}
    if meta is not None:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": params}


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def stdio_seeds(tools):
    for t in tools:
        msgs = LEGACY_INIT + [call(t["name"], arguments(t))]
        write("stdio_fuzz", t["name"], "\n".join(map(line, msgs)) + "\n")
    protocol = LEGACY_INIT + [
        {"jsonrpc": "2.0", "id": "a", "method": "ping"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/list", "params": {"cursor": "10"}},
        {"jsonrpc": "2.0", "id": 4, "method": "logging/setLevel", "params": {"level": "debug"}},
        call("halopsa_list_tickets", {"limit": 2}, 5) | {"params": {
            "name": "halopsa_list_tickets", "arguments": {"limit": 2},
            "_meta": {"progressToken": "p"}}},
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 5}},
        {"jsonrpc": "2.0", "id": 6, "result": {}},
        {"jsonrpc": "2.0", "id": 7, "method": "no/such"},
    ]
    write("stdio_fuzz", "protocol", "\n".join(map(line, protocol)) + "\n")
    modern = [
        {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": MODERN_META}},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {"_meta": MODERN_META}},
        call("halopsa_get_ticket", {"id": 1404}, 3, MODERN_META),
        call("halopsa_create_ticket", {"summary": "x", "ticket_type": "alpha"}, 4, MODERN_META),
    ]
    write("stdio_fuzz", "modern", "\n".join(map(line, modern)) + "\n")
    batch_init = dict(LEGACY_INIT[0])
    batch_init["params"] = dict(batch_init["params"], protocolVersion="2025-03-26")
    batch = [batch_init, LEGACY_INIT[1],
             [{"jsonrpc": "2.0", "id": 1, "method": "ping"},
              call("halopsa_list_statuses", {}, 2),
              {"jsonrpc": "2.0", "method": "notifications/initialized"}]]
    write("stdio_fuzz", "batch", "\n".join(map(line, batch)) + "\n")
    write("stdio_fuzz", "malformed",
          b'{"jsonrpc":"2.0","id":1,"method":"ping"\n[]\n{"jsonrpc":"1.0","id":{}}\n'
          b'\xff\xfe\n{"jsonrpc":"2.0","id":1.5,"method":"ping"}\r\n   \n' + b"[" * 80 + b"\n")
    write("stdio_fuzz", "oversized", line(LEGACY_INIT[0]) + "\n" + '"' + "x" * 5000 + '"\n')


def schema_seeds(tools):
    for i, t in enumerate(tools):
        args = line(arguments(t)).encode()
        write("schema_fuzz", t["name"], bytes([i, 8]) + args)
        if isinstance(t.get("outputSchema"), str):
            write("schema_fuzz", t["name"] + ".out",
                  bytes([i, 0x88]) + b'{"items":[{"id":1}],"returned":1,"next_cursor":"x"}')
    write("schema_fuzz", "wrong-types", bytes([0, 31]) + b'{"limit":"x","client":[1,{}],"z":null}')


def response_seeds():
    lists = {
        "wrapped": 'ltickets\n{"record_count":3,"tickets":[{"id":1},{"id":2}]}',
        "bare": "l\n[{\"id\":1},{\"id\":2}]",
        "count-only": 'lagents\n{"record_count":"21"}',
        "two-arrays": 'lx\n{"a":[],"b":[],"Record_Count":1.5e2}',
    }
    errors = {
        "validation": 'e400\n{"summary":"is required","[0].id":"bad"}',
        "message": 'e404120\n{"ClassName":"X","Message":"Ticket 12 not found"}',
        "oauth": 'e401\n{"error":"invalid_client","error_description":"Bad secret"}',
        "html": "e503Wed, 21 Oct 2015 07:28:00 GMT\n<html><title>Down &amp; out</title>"
                "<script>x</script><body>maintenance</body></html>",
        "rate": 'e4291.5\n"Too many requests"',
        "errors-array": 'e422\n{"errors":{"f":["must be set"]},"errorMessage":"no"}',
        "teapot": "e777\nplain text",
    }
    html = {
        "note": "h\x28<p>Hello&nbsp;<b>World</b><br/>Line &#x263A; &#8212; &euro;</p>"
                "<ul><li>one</li><li>two</li></ul><table><tr><td>a</td><td>b</td></tr></table>",
        "script": "h\x05<div>a<script>alert(1)</script>b<style>p{}</style></div>\r\n\n\n\nc",
    }
    for name, data in {**lists, **errors, **html}.items():
        write("halo_response_fuzz", name, data)


def query_seeds():
    seeds = {
        "percent": "pa b/c?d=e&f~g\xc3\xa9",
        "query": "qpageinate\ntrue\nsearch\nprinter & fax\nclient_id\n12",
        "path": "x/Tickets/{id}/Actions/{action}\nid=12\naction=a/b",
        "date": "d2026-09-01T08:00:00+02:00",
        "date-short": "d2026-02-29",
        "value": "v[1,\"2\",3]",
        "value-float": "v12.0",
        "split": "shttps://halo.example.com/halo/?tenant=acme",
        "options-hosted": "o\nacme\n\nclient-1\nall\n300/300",
        "options-self": "ohttps://Halo.Example.com/API/\n\nhttps://auth.example.com/auth/token\n"
                        "client-1\nread:tickets,edit:tickets\n100/5m",
        "options-tenant-url": "o\nhttps://acme.halopsa.com/\n\nid\n\noff",
    }
    for name, data in seeds.items():
        write("query_url_fuzz", name, data)


def http_seeds(tools):
    def post(body, extra=""):
        b = line(body)
        return ("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer fuzz-token\r\n"
                "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
                f"{extra}Content-Length: {len(b.encode())}\r\n\r\n{b}")

    write("http_transport_fuzz", "initialize", post(LEGACY_INIT[0]))
    modern_headers = "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\n"
    for t in tools:
        write("http_transport_fuzz", t["name"],
              post(call(t["name"], arguments(t), 1, MODERN_META),
                   modern_headers + f"Mcp-Name: {t['name']}\r\n"))
    write("http_transport_fuzz", "discover",
          post({"jsonrpc": "2.0", "id": 1, "method": "server/discover",
                "params": {"_meta": MODERN_META}},
               "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: server/discover\r\n"))
    write("http_transport_fuzz", "session-calls",
          post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
               "Mcp-Session-Id: 0123456789abcdef\r\nMCP-Protocol-Version: 2025-11-25\r\n"))
    write("http_transport_fuzz", "get-stream",
          "GET /mcp HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer fuzz-token\r\n"
          "Accept: text/event-stream\r\nMcp-Session-Id: x\r\n\r\n")
    write("http_transport_fuzz", "delete",
          "DELETE /mcp HTTP/1.1\r\nHost: [::1]:8787\r\nAuthorization: Bearer fuzz-token\r\n"
          "Mcp-Session-Id: x\r\n\r\n")
    write("http_transport_fuzz", "metadata",
          "GET /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    write("http_transport_fuzz", "no-token",
          "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://evil.example\r\n"
          "Content-Length: 2\r\n\r\n{}")


def main():
    tools = load_tools()
    if OUT.exists():
        shutil.rmtree(OUT)
    stdio_seeds(tools)
    schema_seeds(tools)
    response_seeds()
    query_seeds()
    http_seeds(tools)


if __name__ == "__main__":
    main()
