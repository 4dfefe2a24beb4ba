// The host configurations the README shows (blocks marked <!-- host-config: NAME -->) are real:
// the Claude Desktop JSON passes the plugin's variables and starts the server (on the demo
// tenant, so no account is needed), and the HTTP one reaches the Streamable HTTP endpoint.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT, cleanEnv, run, serverBinary, tempDir } from './lib.mjs';

const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const plugin = JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8'));

function hostConfig(name) {
  const m = readme.match(new RegExp(`<!-- host-config: ${name} -->\\n\`\`\`json\\n([\\s\\S]*?)\\n\`\`\``));
  assert.ok(m, `README.md has a json block marked host-config: ${name}`);
  return JSON.parse(m[1]);
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'readme-test', version: '1' } } };

test('README: the Claude Desktop configuration passes the plugin\'s variables and starts the server', () => {
  const server = hostConfig('claude-desktop').mcpServers.halopsa;
  assert.equal(path.basename(server.command), 'halo-mcp');
  assert.deepEqual(server.args, plugin.mcpServers.halopsa.args);
  assert.deepEqual(Object.keys(server.env).sort(), Object.keys(plugin.mcpServers.halopsa.env).sort());
  const input = [INIT, { jsonrpc: '2.0', method: 'notifications/initialized' }, { jsonrpc: '2.0', id: 2, method: 'tools/list' }]
    .map((m) => JSON.stringify(m)).join('\n') + '\n';
  // The README's settings as they are, with --demo standing in for the tenant they describe.
  const r = run(serverBinary(), [...server.args, '--demo'], { env: cleanEnv(server.env), input, timeoutMs: 60000 });
  assert.equal(r.status, 0, r.describe());
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers[0].result.serverInfo.name, 'halo-mcp', r.describe());
  assert.ok(answers[1].result.tools.some((t) => t.name === 'halopsa_create_ticket'), 'HALO_MCP_READ_ONLY=false keeps writes');
});

test('README: the HTTP configuration names the endpoint halo-mcp --http serves', async () => {
  const server = hostConfig('http').mcpServers.halopsa;
  assert.equal(server.type, 'http');
  const url = new URL(server.url);
  assert.match(readme, new RegExp(`halo-mcp --http ${url.host.replace(/\./g, '\\.')}`), 'the README starts it on that address');
  const portFile = path.join(tempDir('halo-mcp-readme-'), 'port');
  const child = spawn(serverBinary(), ['--demo', '--http', '127.0.0.1:0', '--http-port-file', portFile],
                      { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  try {
    for (let i = 0; i < 200 && !existsSync(portFile); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(portFile), `the server wrote its port\n${stderr}`);
    url.port = readFileSync(portFile, 'utf8').trim();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify(INIT),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(text, /"serverInfo":\{[^}]*"name":"halo-mcp"/, text);
  } finally {
    child.kill('SIGTERM');
  }
});
