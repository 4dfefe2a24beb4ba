// The official TypeScript SDK clients against the real server over Streamable HTTP:
// `halo-mcp --demo --http 127.0.0.1:0` (the embedded simulator stands in for HaloPSA).
// v1 StreamableHTTPClientTransport (legacy 2025-11-25 session) and the v2 client in auto mode
// (probes server/discover, settles on 2026-07-28): initialize or discover, list, call, progress,
// errors. usage: node --test http-clients.test.mjs   (env HALO_MCP_BINARY = the halo-mcp binary)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';

const binary = process.env.HALO_MCP_BINARY;
let server;
let url;
let stderr = '';

before(async () => {
  assert.ok(binary && existsSync(binary), `HALO_MCP_BINARY must name the halo-mcp binary (${binary})`);
  const portFile = join(mkdtempSync(join(tmpdir(), 'halo-http-')), 'port');
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('HALOPSA_') || k.startsWith('HALO_MCP_')) delete env[k];
  server = spawn(binary, ['--demo', '--http', '127.0.0.1:0', '--http-port-file', portFile], { env });
  server.stderr.on('data', (d) => { stderr = (stderr + d.toString()).slice(-20000); });
  const deadline = Date.now() + 15000;
  while (!existsSync(portFile)) {
    assert.ok(Date.now() < deadline, `halo-mcp did not start:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  url = new URL(`http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}/mcp`);
});

after(async () => {
  if (!server) return;
  server.kill('SIGTERM');
  await new Promise((r) => server.once('exit', r));
});

async function listAll(client) {
  const tools = [];
  let cursor;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

// v1: callTool(params, resultSchema, options); v2: callTool(params, options).
async function exercise(client, v1) {
  const names = (await listAll(client)).map((t) => t.name);
  assert.ok(names.includes('halopsa_list_tickets'), `tools listed: ${names}`);

  const progress = [];
  const params = { name: 'halopsa_list_statuses', arguments: {} };
  const options = { onprogress: (p) => progress.push(p) };
  const res = v1 ? await client.callTool(params, undefined, options)
                 : await client.callTool(params, options);
  assert.notEqual(res.isError, true, JSON.stringify(res));
  assert.ok(res.structuredContent, 'structuredContent present');
  assert.ok(progress.length >= 1, `progress notifications arrived: ${JSON.stringify(progress)}`);

  const bad = await client.callTool({ name: 'halopsa_get_ticket', arguments: { id: -4 } });
  assert.equal(bad.isError, true, `a bad argument is a tool error: ${JSON.stringify(bad)}`);
  await assert.rejects(client.callTool({ name: 'halopsa_no_such_tool', arguments: {} }),
                       (e) => { assert.equal(e.code, -32602, String(e)); return true; });
}

test('SDK v1 StreamableHTTPClientTransport: legacy session, list, call, progress, errors', async () => {
  const transport = new TransportV1(url);
  const client = new ClientV1({ name: 'halo-http-v1', version: '0.0.1' });
  await client.connect(transport);
  assert.equal(client.getServerVersion().name, 'halo-mcp');
  assert.ok(transport.sessionId, 'a session id was issued');
  await exercise(client, true);
  await transport.terminateSession();  // DELETE
  await client.close();
});

test('SDK v2 client in auto mode: discovers 2026-07-28, list, call, progress, errors', async () => {
  const client = new ClientV2({ name: 'halo-http-v2', version: '0.0.1' },
                              { versionNegotiation: { mode: 'auto' } });
  await client.connect(new TransportV2(url));
  assert.equal(client.getProtocolEra(), 'modern');
  assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  await exercise(client, false);
  await client.close();
});

test('SDK v2 client in legacy mode over HTTP', async () => {
  const client = new ClientV2({ name: 'halo-http-v2-legacy', version: '0.0.1' },
                              { versionNegotiation: { mode: 'legacy' } });
  await client.connect(new TransportV2(url));
  assert.equal(client.getProtocolEra(), 'legacy');
  await exercise(client, false);
  await client.close();
});
