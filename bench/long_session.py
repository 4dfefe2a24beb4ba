#!/usr/bin/env python3
"""Memory of one long stdio session, as a host that stays open for days would use it.

  bench/long_session.py build/server/halo-mcp build/server/halo-sim [MESSAGES]   (default 1000000)

Starts the simulator, then one halo-mcp process, and sends MESSAGES JSON-RPC messages in
pipelined groups of 64: tool calls that read (tickets, clients, statuses, lists), pings and
tools/list, and 30% that are refused (malformed JSON, unknown methods and tools, wrong
argument types, nesting the schema refuses). Prints the server's RSS as it goes; the baseline is
the same process after the first 2.5% of the messages, so the ratio is growth, not start-up.
"""
import json
import os
import random
import socket
import subprocess
import sys
import time

mcp_path, sim_path = sys.argv[1], sys.argv[2]
total = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
port = probe.getsockname()[1]
probe.close()
sim = subprocess.Popen([sim_path, "--port", str(port), "--client-id", "bench", "--client-secret",
                        "bench-secret", "--rate-limit", "off", "--log-level", "error"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(1.5)
env = dict(os.environ, HALOPSA_BASE_URL=f"http://127.0.0.1:{port}", HALOPSA_TENANT="demo",
           HALOPSA_CLIENT_ID="bench", HALOPSA_CLIENT_SECRET="bench-secret",
           HALOPSA_RATE_LIMIT="off", HALO_MCP_LOG_LEVEL="error")
server = subprocess.Popen([mcp_path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, env=env)


def rss_kib():
    with open(f"/proc/{server.pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def send(lines):
    server.stdin.write(("\n".join(lines) + "\n").encode())
    server.stdin.flush()


def read(count):
    for _ in range(count):
        line = server.stdout.readline()
        if not line:
            sys.exit("halo-mcp closed its output")
        json.loads(line)


def request(method, params=None):
    global next_id
    next_id += 1
    message = {"jsonrpc": "2.0", "id": next_id, "method": method}
    if params is not None:
        message["params"] = params
    return json.dumps(message)


def call(tool, arguments):
    return request("tools/call", {"name": tool, "arguments": arguments})


next_id = 0
rng = random.Random(7)
# (share of messages, maker): each answered with exactly one line.
mix = [
    (30, lambda: call("halopsa_get_ticket", {"id": rng.randint(1, 3200)})),
    (10, lambda: call("halopsa_list_tickets", {"limit": 5})),
    (10, lambda: call("halopsa_get_client", {"id": rng.randint(1, 45)})),
    (10, lambda: call("halopsa_list_statuses", {})),
    (10, lambda: request("ping")),
    (5, lambda: request("tools/list")),
    (5, lambda: '{"jsonrpc":"2.0","id":' + str(rng.randint(1, 10**9)) + ',"method":'),
    (5, lambda: call("halopsa_get_ticket", {"id": "x" * rng.randint(1, 200)})),
    (5, lambda: request(f"nope/{rng.randint(1, 10**9)}")),
    (5, lambda: call(f"halopsa_nope_{rng.randint(1, 10**9)}", {})),
    (5, lambda: call("halopsa_get_ticket", {"id": 1, "fields": [[[[[[[[[[[]]]]]]]]]]]})),
]
makers = [maker for share, maker in mix for _ in range(share)]

send([request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                             "clientInfo": {"name": "long-session-bench", "version": "1"}})])
read(1)
send([json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})])

baseline_at = max(total // 40, 64)
baseline = None
done = 0
started = time.time()
while done < total:
    group = [rng.choice(makers)() for _ in range(64)]
    send(group)
    read(len(group))
    done += len(group)
    if baseline is None and done >= baseline_at:
        baseline = rss_kib()
    if done % (total // 10 // 64 * 64 or 64) == 0:
        print(f"{done:>9} messages  RSS {rss_kib() / 1024:6.1f} MiB  {time.time() - started:6.1f} s",
              flush=True)
final = rss_kib()
print(f"RSS after {done} messages: {final / 1024:.1f} MiB; after {baseline_at}: "
      f"{baseline / 1024:.1f} MiB; ratio {final / baseline:.2f}")
server.stdin.close()
server.wait(timeout=30)
sim.terminate()
sim.wait()
