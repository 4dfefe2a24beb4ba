// The Claude Desktop bundle: packaging/mcpb/manifest.json offers the same settings as the Claude
// Code plugin, the pinned @anthropic-ai/mcpb validates it, scripts/mcpb.sh packs the built
// server into a bundle, and the unpacked bundle's server, started the way the manifest says,
// answers an MCP handshake using the schemas inside the bundle. Offline: mcpb is from npm ci.
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { HERE, REPO_ROOT, cleanEnv, installedVersion, pinnedVersion, run, serverBinary, tempDir } from './lib.mjs';

const PKG = '@anthropic-ai/mcpb';
const MCPB = path.join(HERE, 'node_modules', '.bin', 'mcpb');
const manifestFile = path.join(REPO_ROOT, 'packaging', 'mcpb', 'manifest.json');
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
const plugin = JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8'));

function mcpb(args, opts = {}) {
  if (!existsSync(MCPB)) throw new Error(`${PKG} is not installed in tests/node/node_modules: run scripts/node-deps.sh`);
  return run(MCPB, args, { env: { ...cleanEnv(), HOME: tempDir('halo-mcp-mcpb-home-') }, timeoutMs: 60000, ...opts });
}

test('the pinned @anthropic-ai/mcpb is the one installed', () => {
  const pinned = pinnedVersion(PKG);
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'an exact version is pinned');
  assert.equal(installedVersion(PKG), pinned);
});

test('the bundle offers the same settings as the plugin, passed the same way', () => {
  assert.equal(manifest.name, plugin.name);
  assert.equal(manifest.version, plugin.version);
  assert.equal(manifest.license, plugin.license);
  assert.deepEqual(Object.keys(manifest.user_config).sort(), Object.keys(plugin.userConfig).sort());
  for (const [key, opt] of Object.entries(plugin.userConfig)) {
    const mine = manifest.user_config[key];
    for (const field of ['type', 'title', 'required', 'default']) {
      assert.deepEqual(mine[field], opt[field], `user_config.${key}.${field}`);
    }
    assert.equal(Boolean(mine.sensitive), Boolean(opt.sensitive), `user_config.${key}.sensitive`);
  }
  assert.equal(manifest.user_config.client_secret.sensitive, true);
  assert.deepEqual(manifest.server.mcp_config.env, plugin.mcpServers.halopsa.env);
  assert.deepEqual(manifest.server.mcp_config.args, plugin.mcpServers.halopsa.args);
  assert.equal(manifest.server.mcp_config.command, `\${__dirname}/${manifest.server.entry_point}`);
});

test('mcpb validate accepts the manifest and rejects a broken one (the check can fail)', () => {
  let r = mcpb(['validate', manifestFile]);
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout + r.stderr, /validation passes/i, r.describe());
  const broken = path.join(tempDir('halo-mcp-mcpb-bad-'), 'manifest.json');
  writeFileSync(broken, JSON.stringify({ ...manifest, server: { type: 'binary' } }));
  r = mcpb(['validate', broken]);
  assert.notEqual(r.status, 0, r.describe());
});

test('scripts/mcpb.sh packs the built server; the unpacked bundle serves MCP from its own files', () => {
  const build = path.dirname(path.dirname(serverBinary()));
  const out = path.join(tempDir('halo-mcp-mcpb-out-'), 'halo-mcp.mcpb');
  let r = run(path.join(REPO_ROOT, 'scripts', 'mcpb.sh'), [build, out],
              { env: { ...cleanEnv(), HOME: tempDir('halo-mcp-mcpb-home-') }, timeoutMs: 120000 });
  assert.equal(r.status, 0, r.describe());
  assert.ok(existsSync(out), r.describe());

  r = mcpb(['info', out]);
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, /Size: [\d.]+ KB/, r.describe());  // it reads as a bundle (unsigned)

  const dir = tempDir('halo-mcp-mcpb-unpacked-');
  r = mcpb(['unpack', out, dir]);
  assert.equal(r.status, 0, r.describe());
  assert.deepEqual(readdirSync(dir).sort(), ['LICENSE', 'bin', 'libexec', 'manifest.json', 'share']);
  assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')), manifest);
  assert.deepEqual(readdirSync(path.join(dir, 'bin')), ['halo-mcp'], 'only the server on the path');
  // The demo tenant's simulator runs as its own process, from where --demo looks for it.
  assert.deepEqual(readdirSync(path.join(dir, 'libexec', 'halo-mcp')), ['halo-sim']);
  const schemas = path.join(dir, 'share', 'halo-mcp', 'schemas');
  assert.ok(existsSync(path.join(schemas, 'toolsets.json')));
  const want = readdirSync(path.join(REPO_ROOT, 'schemas'), { recursive: true }).sort();
  assert.deepEqual(readdirSync(schemas, { recursive: true }).sort(), want, 'every schema file is bundled');

  // Start it the way Claude Desktop does (command from the manifest), on the demo tenant.
  const command = manifest.server.mcp_config.command.replace('${__dirname}', dir);
  accessSync(command, constants.X_OK);
  const lines = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'mcpb-test', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
  ].map((m) => JSON.stringify(m)).join('\n') + '\n';
  r = run(command, [...manifest.server.mcp_config.args, '--demo'], { env: cleanEnv(), input: lines, timeoutMs: 60000 });
  assert.equal(r.status, 0, r.describe());
  const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(answers[0].result.serverInfo.version, manifest.version, r.describe());
  assert.ok(answers[1].result.tools.some((t) => t.name === 'halopsa_list_tickets'), r.describe());
  assert.match(r.stderr, new RegExp(`\\(schemas: ${schemas.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`),
               `the bundled binary reads the bundled schemas\n${r.describe()}`);
});
