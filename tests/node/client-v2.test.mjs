// The TypeScript SDK v2 client (@modelcontextprotocol/client, dual-era) against
// `halo-mcp --demo` over stdio, in 'auto' mode (probes server/discover, must settle on the modern
// 2026-07-28 era) and in 'legacy' mode (initialize handshake, 2025-11-25).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { cleanEnv, installedVersion, pinnedVersion, requirePackage, serverBinary, withTimeout } from './lib.mjs';

const { Client } = await requirePackage('@modelcontextprotocol/client');
const { StdioClientTransport } = await requirePackage('@modelcontextprotocol/client/stdio');

async function connect(mode) {
  let stderr = '';
  const transport = new StdioClientTransport({
    command: serverBinary(),
    args: ['--demo'],
    env: cleanEnv(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => { stderr = (stderr + d.toString()).slice(-16384); });
  const client = new Client({ name: `halo-mcp-client-v2-${mode}`, version: '0.0.1' },
                            { versionNegotiation: { mode } });
  const log = () => (stderr ? `\n--- server stderr (tail) ---\n${stderr}` : '');
  try {
    await withTimeout(client.connect(transport), 20000, `connect in ${mode} mode`);
  } catch (e) {
    throw new Error(`${e.message}${log()}`);
  }
  return { client, log };
}

async function listAll(client) {
  const tools = [];
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    tools.push(...page.tools);
    cursor = page.nextCursor;
    assert.ok(++pages < 100, 'pagination terminates');
  } while (cursor);
  return tools;
}

async function exercise(client, log) {
  const tools = await listAll(client);
  const names = tools.map((t) => t.name);
  assert.ok(names.includes('halopsa_list_tickets'), `halopsa_list_tickets listed: ${names}`);
  assert.equal(new Set(names).size, names.length, 'tool names are unique');

  const res = await client.callTool({ name: 'halopsa_list_tickets', arguments: { limit: 2 } });
  assert.notEqual(res.isError, true, `call failed: ${JSON.stringify(res)}${log()}`);
  assert.ok(res.structuredContent, `structuredContent present: ${JSON.stringify(res).slice(0, 300)}`);
  assert.ok(res.content.some((c) => c.type === 'text' && c.text.length > 0), 'a text block');

  const bad = await client.callTool({ name: 'halopsa_get_ticket', arguments: { id: -4 } });
  assert.equal(bad.isError, true, `a bad argument is a tool error: ${JSON.stringify(bad)}`);

  await assert.rejects(client.callTool({ name: 'halopsa_no_such_tool', arguments: {} }),
                       (e) => { assert.equal(e.code, -32602, String(e)); return true; });
}

test('the pinned v2 client is the one installed', () => {
  assert.equal(installedVersion('@modelcontextprotocol/client'), pinnedVersion('@modelcontextprotocol/client'));
  assert.equal(installedVersion('@modelcontextprotocol/client'), '2.4.0');
});

test("versionNegotiation 'auto' probes server/discover and stays modern (2026-07-28)", async () => {
  const { client, log } = await connect('auto');
  try {
    assert.equal(client.getProtocolEra(), 'modern', `era${log()}`);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const discover = client.getDiscoverResult();
    assert.ok(discover, 'the server/discover result is kept');
    assert.ok(discover.supportedVersions.includes('2026-07-28'), JSON.stringify(discover));
    assert.ok(discover.capabilities?.tools, `tools capability: ${JSON.stringify(discover.capabilities)}`);
    assert.equal(client.getServerVersion()?.name, 'halo-mcp', 'serverInfo from the discover _meta');
    await exercise(client, log);
    // Still modern after several requests: nothing fell back to initialize.
    assert.equal(client.getProtocolEra(), 'modern');
  } finally {
    await client.close();
  }
});

test("versionNegotiation 'legacy' runs initialize and negotiates 2025-11-25", async () => {
  const { client, log } = await connect('legacy');
  try {
    assert.equal(client.getProtocolEra(), 'legacy', `era${log()}`);
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    assert.equal(client.getDiscoverResult(), undefined, 'no discover in legacy mode');
    assert.equal(client.getServerVersion()?.name, 'halo-mcp');
    await exercise(client, log);
    assert.deepEqual(await client.ping(), {});
  } finally {
    await client.close();
  }
});

test("versionNegotiation pinned to 2026-07-28 connects too", async () => {
  const { client, log } = await connect({ pin: '2026-07-28' });
  try {
    assert.equal(client.getProtocolEra(), 'modern', `era${log()}`);
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    const res = await client.callTool({ name: 'halopsa_list_statuses', arguments: {} });
    assert.notEqual(res.isError, true, JSON.stringify(res));
  } finally {
    await client.close();
  }
});

test('a pin to a version the server does not speak fails loudly', async () => {
  const transport = new StdioClientTransport({ command: serverBinary(), args: ['--demo'], env: cleanEnv(), stderr: 'ignore' });
  const client = new Client({ name: 'halo-mcp-client-v2-badpin', version: '0.0.1' },
                            { versionNegotiation: { mode: { pin: '2099-01-01' } } });
  await assert.rejects(withTimeout(client.connect(transport), 20000, 'connect pinned to 2099-01-01'),
                       (e) => !/timed out/.test(e.message));
  await client.close().catch(() => {});
});
