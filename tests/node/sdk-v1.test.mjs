// The official TypeScript SDK v1 client (@modelcontextprotocol/sdk, pinned in package.json)
// drives `halo-mcp --demo` over stdio: initialize, page through tools/list, call tools, bad
// arguments, an unknown tool, ping, and a clean exit.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { cleanEnv, installedVersion, pinnedVersion, requirePackage, serverBinary, withTimeout } from './lib.mjs';

const { Client } = await requirePackage('@modelcontextprotocol/sdk/client/index.js');
const { StdioClientTransport } = await requirePackage('@modelcontextprotocol/sdk/client/stdio.js');
const { McpError, ErrorCode } = await requirePackage('@modelcontextprotocol/sdk/types.js');

let client;
let transport;
let stderr = '';
const serverLog = () => (stderr ? `\n--- server stderr (tail) ---\n${stderr.slice(-8000)}` : '');

before(async () => {
  transport = new StdioClientTransport({
    command: serverBinary(),
    args: ['--demo'],
    env: cleanEnv(),
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d) => { stderr = (stderr + d.toString()).slice(-32768); });
  client = new Client({ name: 'halo-mcp-sdk-v1-test', version: '0.0.1' });
  await withTimeout(client.connect(transport), 15000, 'initialize with the v1 SDK client');
});

after(async () => {
  await client?.close();
});

test('the pinned SDK is the one installed', () => {
  assert.equal(installedVersion('@modelcontextprotocol/sdk'), pinnedVersion('@modelcontextprotocol/sdk'));
  assert.match(installedVersion('@modelcontextprotocol/sdk'), /^1\.32\.\d+$/);
});

test('initialize negotiates 2025-11-25 and reports the server', () => {
  const info = client.getServerVersion();
  assert.equal(info?.name, 'halo-mcp');
  assert.match(info?.version ?? '', /^\d+\.\d+\.\d+/);
  const caps = client.getServerCapabilities();
  assert.ok(caps?.tools, `tools capability advertised: ${JSON.stringify(caps)}`);
  assert.ok((client.getInstructions() ?? '').length > 20, 'instructions for the model are present');
});

let allTools = [];

test('tools/list pages through every tool with a cursor, names unique', async () => {
  let cursor;
  let pages = 0;
  do {
    const page = await client.listTools(cursor ? { cursor } : {});
    pages++;
    assert.ok(Array.isArray(page.tools));
    allTools.push(...page.tools);
    cursor = page.nextCursor;
    assert.ok(pages < 100, 'pagination terminates');
  } while (cursor);
  const names = allTools.map((t) => t.name);
  assert.equal(new Set(names).size, names.length, `duplicate tool names: ${names}`);
  assert.ok(names.includes('halopsa_list_tickets'), `halopsa_list_tickets listed: ${names}`);
  assert.ok(names.length >= 10, `at least 10 tools, got ${names.length}`);
  for (const t of allTools) {
    assert.match(t.name, /^[a-z][a-z0-9_]{0,63}$/);
    assert.ok(t.description?.length > 0, `${t.name} has a description`);
    assert.equal(t.inputSchema?.type, 'object', `${t.name} inputSchema is an object schema`);
    assert.equal(typeof t.annotations?.readOnlyHint, 'boolean', `${t.name} has an explicit readOnlyHint`);
  }
});

test('halopsa_list_tickets with a limit returns text and schema-valid structuredContent', async () => {
  // The SDK validates structuredContent against the tool's outputSchema (cached by listTools)
  // and throws if it does not match, so a successful call is itself a conformance check.
  const res = await client.callTool({ name: 'halopsa_list_tickets', arguments: { limit: 3 } });
  assert.notEqual(res.isError, true, `call failed: ${JSON.stringify(res)}${serverLog()}`);
  const text = res.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  assert.ok(text.length > 0, 'a text block is returned');
  const sc = res.structuredContent;
  assert.ok(sc && typeof sc === 'object', `structuredContent present: ${JSON.stringify(res)}`);
  const rows = Object.values(sc).find(Array.isArray);
  assert.ok(rows, `structuredContent holds a list: ${JSON.stringify(sc).slice(0, 400)}`);
  assert.ok(rows.length >= 1 && rows.length <= 3, `1..3 rows for limit 3, got ${rows.length}`);
  const tool = allTools.find((t) => t.name === 'halopsa_list_tickets');
  assert.ok(tool?.outputSchema, 'halopsa_list_tickets declares an outputSchema');
});

test('a call with bad arguments is a tool error (isError) naming the argument', async () => {
  const res = await client.callTool({ name: 'halopsa_get_ticket', arguments: { id: 'seven' } });
  assert.equal(res.isError, true, JSON.stringify(res));
  const text = res.content.map((c) => c.text ?? '').join('\n');
  assert.match(text, /\bid\b/, `the message names the argument: ${text}`);
});

test('a missing required argument and an unexpected one are tool errors too', async () => {
  const missing = await client.callTool({ name: 'halopsa_get_ticket', arguments: {} });
  assert.equal(missing.isError, true, JSON.stringify(missing));
  const extra = await client.callTool({ name: 'halopsa_list_tickets', arguments: { limit: 1, bogus: true } });
  assert.equal(extra.isError, true, JSON.stringify(extra));
  assert.match(extra.content.map((c) => c.text ?? '').join('\n'), /bogus/);
});

test('an unknown tool is a JSON-RPC -32602 error', async () => {
  await assert.rejects(
    client.callTool({ name: 'halopsa_no_such_tool', arguments: {} }),
    (e) => {
      assert.ok(e instanceof McpError, `an McpError, got ${e}`);
      assert.equal(e.code, ErrorCode.InvalidParams);
      return true;
    });
});

test('ping still answers after the errors, and a second call works', async () => {
  assert.deepEqual(await client.ping(), {});
  const res = await client.callTool({ name: 'halopsa_list_statuses', arguments: {} });
  assert.notEqual(res.isError, true, JSON.stringify(res));
});

test('the server exits when the client closes stdin', async () => {
  const child = transport._process;
  assert.ok(child, 'the transport exposes its child process');
  const exited = new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // Close stdin only (client.close() would also signal the process): the server must notice
  // end of input on its own and exit 0.
  child.stdin.end();
  const { code, signal } = await withTimeout(exited, 3000, 'halo-mcp to exit promptly on end of input');
  assert.equal(signal, null, `exited by itself, not by ${signal}${serverLog()}`);
  assert.equal(code, 0, `exit status 0${serverLog()}`);
});
