// Malformed input on halo-mcp's stdin, written by a plain child_process client (an SDK will not
// send it): every stdout line must be a JSON-RPC message with the right error code, and the
// server must go on answering ping and tool calls afterwards.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { RawServer, serverBinary } from './lib.mjs';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;

let srv;

before(() => {
  srv = new RawServer(serverBinary(), ['--demo', '--log-level', 'debug']);
});

after(async () => {
  if (srv && srv.child.exitCode === null) srv.child.kill('SIGKILL');
});

function assertError(msg, code, id, what) {
  assert.ok(!Array.isArray(msg), `${what}: a single response, got ${JSON.stringify(msg)}`);
  assert.equal(msg.jsonrpc, '2.0', what);
  assert.ok(msg.error, `${what}: an error response, got ${JSON.stringify(msg)}${srv.stderr}`);
  assert.equal(msg.error.code, code, `${what}: code ${code}, got ${JSON.stringify(msg)}`);
  assert.ok(msg.error.message.length > 0, `${what}: the message says what was wrong`);
  assert.deepEqual(msg.id, id, `${what}: id ${JSON.stringify(id)}, got ${JSON.stringify(msg)}`);
  assert.ok(!('result' in msg), `${what}: no result beside the error`);
}

test('garbage before initialize: parse errors with id null, one per line', async () => {
  const cases = [
    ['plain text', 'hello there'],
    ['truncated object', '{"jsonrpc":"2.0","id":1,"method":"ping"'],
    ['trailing garbage', '{"jsonrpc":"2.0","id":1,"method":"ping"} x'],
    ['single quotes', "{'jsonrpc':'2.0','id':1,'method':'ping'}"],
    ['bare number', '42x'],
  ];
  for (const [what, line] of cases) {
    srv.writeRaw(line + '\n');
    // The first answer waits for the demo tenant to be generated: allow for a loaded machine.
    assertError(await srv.read(20000, what), PARSE_ERROR, null, what);
  }
});

test('invalid UTF-8 is a parse error, not a crash', async () => {
  srv.writeRaw(Buffer.concat([
    Buffer.from('{"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":"'),
    Buffer.from([0xff, 0xfe, 0xc3]),
    Buffer.from('"}}\n'),
  ]));
  assertError(await srv.read(5000, 'invalid UTF-8'), PARSE_ERROR, null, 'invalid UTF-8');
});

test('well-formed JSON that is not a valid request is -32600', async () => {
  const cases = [
    ['a JSON string', '"ping"', null],
    ['a JSON number', '7', null],
    ['null', 'null', null],
    ['an empty object', '{}', null],
    ['no jsonrpc member', '{"id":3,"method":"ping"}', 3],
    ['jsonrpc 1.0', '{"jsonrpc":"1.0","id":4,"method":"ping"}', 4],
    ['method is a number', '{"jsonrpc":"2.0","id":5,"method":5}', 5],
    ['id is null', '{"jsonrpc":"2.0","id":null,"method":"ping"}', null],
    ['empty batch', '[]', null],
  ];
  for (const [what, line, id] of cases) {
    srv.writeRaw(line + '\n');
    const msg = await srv.read(5000, what);
    assert.ok(msg.error, `${what}: an error response, got ${JSON.stringify(msg)}`);
    assert.equal(msg.error.code, INVALID_REQUEST, `${what}: -32600, got ${JSON.stringify(msg)}`);
    // An id the server could not read back reliably is null; a readable one is echoed.
    if (id !== null) assert.deepEqual(msg.id, id, `${what}: id echoed`);
    else assert.equal(msg.id, null, `${what}: id null`);
  }
});

test('a request other than ping before initialize is refused, ping is answered', async () => {
  const early = await srv.request('tools/list', {});
  assert.ok(early.error, `tools/list before initialize is an error: ${JSON.stringify(early)}`);
  assert.equal(early.error.code, INVALID_REQUEST);
  const ping = await srv.request('ping');
  assert.deepEqual(ping.result, {}, JSON.stringify(ping));
});

test('initialize with params of the wrong type is -32602, then a good one succeeds', async () => {
  const bad = await srv.request('initialize', { protocolVersion: 20251125, capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
  assertError(bad, INVALID_PARAMS, bad.id, 'protocolVersion as a number');
  const ok = await srv.request('initialize', {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw-stdio-test', version: '0.0.1' },
  });
  assert.ok(ok.result, `initialize succeeded: ${JSON.stringify(ok)}${srv.stderr}`);
  assert.equal(ok.result.protocolVersion, '2025-11-25');
  assert.equal(ok.result.serverInfo?.name, 'halo-mcp');
  srv.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
});

test('after initialize: wrong types, unknown methods and unknown tools get the right codes', async () => {
  // String ids are echoed exactly.
  srv.send({ jsonrpc: '2.0', id: 'abc-1', method: 'no/such/method' });
  assertError(await srv.response('abc-1'), METHOD_NOT_FOUND, 'abc-1', 'unknown method');

  srv.send({ jsonrpc: '2.0', id: 'p1', method: 'tools/call', params: 'halopsa_list_tickets' });
  const stringParams = await srv.response('p1');
  assert.ok(stringParams.error, `params as a string is an error: ${JSON.stringify(stringParams)}`);
  assert.ok([INVALID_REQUEST, INVALID_PARAMS].includes(stringParams.error.code),
            `params as a string: -32600 or -32602, got ${JSON.stringify(stringParams)}`);

  srv.send({ jsonrpc: '2.0', id: 'p2', method: 'tools/call', params: { name: 42 } });
  assertError(await srv.response('p2'), INVALID_PARAMS, 'p2', 'tool name as a number');

  srv.send({ jsonrpc: '2.0', id: 'p3', method: 'tools/call', params: { name: 'halopsa_list_tickets', arguments: [1, 2] } });
  const arrayArgs = await srv.response('p3');
  assert.ok(arrayArgs.error?.code === INVALID_PARAMS || arrayArgs.result?.isError === true,
            `arguments as an array: -32602 or a tool error, got ${JSON.stringify(arrayArgs)}`);

  srv.send({ jsonrpc: '2.0', id: 'p4', method: 'tools/call', params: { name: 'halopsa_no_such_tool', arguments: {} } });
  assertError(await srv.response('p4'), INVALID_PARAMS, 'p4', 'unknown tool');

  srv.send({ jsonrpc: '2.0', id: 'p5', method: 'tools/list', params: { cursor: 12345 } });
  assertError(await srv.response('p5'), INVALID_PARAMS, 'p5', 'cursor of the wrong type');

  srv.send({ jsonrpc: '2.0', id: 'p6', method: 'tools/call', params: { name: 'halopsa_get_ticket', arguments: { id: 'seven' } } });
  const badArg = await srv.response('p6');
  assert.equal(badArg.result?.isError, true, `bad argument type is a tool error: ${JSON.stringify(badArg)}`);

  srv.send({ jsonrpc: '2.0', id: 'p7', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'again', version: '1' } } });
  assertError(await srv.response('p7'), INVALID_REQUEST, 'p7', 'a second initialize');

  srv.writeRaw('[{"jsonrpc":"2.0","id":"b1","method":"ping"}]\n');
  assertError(await srv.read(5000, 'a batch under 2025-11-25'), INVALID_REQUEST, null, 'a batch under 2025-11-25');

  // Notifications with bad content and responses to nothing get no reply at all; the next
  // message read must be the ping's result.
  srv.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 'nothing-running' } });
  srv.send({ jsonrpc: '2.0', method: 'notifications/unknown_thing', params: {} });
  srv.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  srv.send({ jsonrpc: '2.0', id: 'stray', result: {} });
  srv.writeRaw('\n   \n');
  srv.send({ jsonrpc: '2.0', id: 'after-notifications', method: 'ping' });
  const next = await srv.read(5000, 'the ping after notifications');
  assert.deepEqual(next, { jsonrpc: '2.0', id: 'after-notifications', result: {} });
});

test('an oversized line is refused and the server keeps going', async () => {
  const big = JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'ping', params: { pad: 'x'.repeat(5 * 1024 * 1024) } });
  srv.writeRaw(big + '\n');
  const msg = await srv.read(15000, 'the answer to a 5 MiB line');
  assert.ok(msg.error, `a 5 MiB line is an error: ${JSON.stringify(msg).slice(0, 300)}`);
  assert.equal(msg.error.code, INVALID_REQUEST, JSON.stringify(msg).slice(0, 300));
});

test('the server still answers ping and a tool call, then exits cleanly', async () => {
  assert.deepEqual((await srv.request('ping')).result, {});
  const call = await srv.request('tools/call', { name: 'halopsa_list_tickets', arguments: { limit: 2 } }, 20000);
  assert.ok(call.result, `tool call result: ${JSON.stringify(call)}${srv.stderr}`);
  assert.notEqual(call.result.isError, true, JSON.stringify(call));
  assert.ok(call.result.structuredContent, 'structuredContent present');
  assert.ok(call.result.content.some((c) => c.type === 'text' && c.text.length > 0), 'text present');
  // Exit on end of input must be prompt: a host starts and stops this server per session.
  const { code, signal } = await srv.close(3000);
  assert.equal(signal, null, `exited by itself${srv.stderr}`);
  assert.equal(code, 0, `exit status 0${srv.stderr}`);
});

test('every line the server wrote to stdout was a JSON-RPC message', () => {
  assert.ok(srv.lines.length > 20, `the server answered (${srv.lines.length} lines)`);
  assert.deepEqual(srv.garbage, [], 'no non-JSON-RPC lines on stdout');
});
