// Claude Code itself (the pinned @anthropic-ai/claude-code, which runs offline) judges the
// plugin and the server: `claude plugin validate` accepts the manifest, `claude mcp add` +
// `claude mcp list` connect to the built server, and the plugin's own MCP server entry, with
// its userConfig filled in, connects through bin/halo-mcp. Every run uses a temporary HOME, so
// the user's real Claude Code configuration is neither read nor touched.
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';

import { HERE, REPO_ROOT, installedVersion, pinnedVersion, run, serverBinary, tempDir } from './lib.mjs';

const PKG = '@anthropic-ai/claude-code';
let claude;  // [command, ...leading args]

/** A hermetic environment: temporary HOME and XDG dirs, no telemetry, no auto-update. */
function claudeEnv(home, extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    // Nothing from a surrounding Claude Code session, API credentials or HaloPSA settings.
    if (/^(CLAUDE|ANTHROPIC|HALOPSA_|HALO_MCP_|MCP_|XDG_)/.test(k)) continue;
    env[k] = v;
  }
  for (const d of ['.config', '.cache', '.local/share', '.local/state']) mkdirSync(path.join(home, d), { recursive: true });
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    XDG_DATA_HOME: path.join(home, '.local/share'),
    XDG_STATE_HOME: path.join(home, '.local/state'),
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_BUG_COMMAND: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    MCP_TIMEOUT: '30000',
    ...extra,
  };
}

function claudeRun(args, { home, cwd, env = {}, input, timeoutMs = 90000 }) {
  const [cmd, ...lead] = claude;
  return run(cmd, [...lead, ...args], { env: claudeEnv(home, env), cwd, input, timeoutMs });
}

before(() => {
  const modules = path.join(HERE, 'node_modules');
  if (!existsSync(path.join(modules, PKG, 'package.json'))) {
    throw new Error(`${PKG} is not installed in tests/node/node_modules: run scripts/node-deps.sh`);
  }
  // npm links the native binary over bin/claude.exe in a postinstall step; if install scripts
  // were skipped, the package's own wrapper finds the platform binary instead.
  const home = tempDir('halo-mcp-claude-probe-');
  const candidates = [
    [path.join(modules, '.bin', 'claude')],
    [process.execPath, path.join(modules, PKG, 'cli-wrapper.cjs')],
  ];
  const tried = [];
  for (const c of candidates) {
    if (!existsSync(c[c.length - 1])) continue;
    claude = c;
    const r = claudeRun(['--version'], { home, timeoutMs: 30000 });
    if (r.status === 0 && /Claude Code/.test(r.stdout)) return;
    tried.push(r.describe());
  }
  claude = undefined;
  throw new Error(`Claude Code does not run from tests/node/node_modules; run scripts/node-deps.sh\n${tried.join('\n')}`);
});

test('the pinned Claude Code is the one that runs', () => {
  const pinned = pinnedVersion(PKG);
  assert.match(pinned, /^\d+\.\d+\.\d+$/, 'an exact version is pinned');
  assert.equal(installedVersion(PKG), pinned);
  const r = claudeRun(['--version'], { home: tempDir('halo-mcp-claude-') });
  assert.equal(r.status, 0, r.describe());
  assert.ok(r.stdout.startsWith(pinned), r.describe());
});

test('claude plugin validate --strict . passes from the repository root', () => {
  const r = claudeRun(['plugin', 'validate', '--strict', '.'], { home: tempDir('halo-mcp-claude-'), cwd: REPO_ROOT });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, /Validation passed/, r.describe());
  const json = claudeRun(['plugin', 'validate', '--json', '.'], { home: tempDir('halo-mcp-claude-'), cwd: REPO_ROOT });
  assert.equal(json.status, 0, json.describe());
  const report = JSON.parse(json.stdout);
  assert.equal(report.success, true, json.stdout);
  assert.deepEqual(report.manifest.errors, [], json.stdout);
  assert.deepEqual(report.manifest.warnings, [], json.stdout);
  assert.deepEqual(report.provides.mcpServers.map((s) => [s.name, s.type]), [['halopsa', 'stdio']], json.stdout);
});

test('claude plugin validate rejects a broken manifest (the check can fail)', () => {
  const dir = tempDir('halo-mcp-badplugin-');
  mkdirSync(path.join(dir, '.claude-plugin'));
  const bad = { name: 'has spaces', version: '0.1.0', userConfig: { 'bad key': { type: 'string' } } };
  writeFileSync(path.join(dir, '.claude-plugin', 'plugin.json'), JSON.stringify(bad));
  const r = claudeRun(['plugin', 'validate', '.'], { home: tempDir('halo-mcp-claude-'), cwd: dir });
  assert.notEqual(r.status, 0, r.describe());
});

test('claude mcp add + claude mcp list: the built server (--demo) is connected', () => {
  const home = tempDir('halo-mcp-claude-');
  const cwd = tempDir('halo-mcp-claude-cwd-');
  const bin = serverBinary();
  let r = claudeRun(['mcp', 'add', '--scope', 'user', '--transport', 'stdio', 'halo-demo', '--', bin, '--demo'], { home, cwd });
  assert.equal(r.status, 0, r.describe());
  // A server that cannot start, so the test proves `mcp list` really checks connections.
  r = claudeRun(['mcp', 'add', '--scope', 'user', 'halo-broken', '--', bin, '--no-such-flag'], { home, cwd });
  assert.equal(r.status, 0, r.describe());

  r = claudeRun(['mcp', 'list'], { home, cwd, timeoutMs: 120000 });
  assert.equal(r.status, 0, r.describe());
  const line = (name) => r.stdout.split('\n').find((l) => l.startsWith(`${name}:`)) ?? '';
  assert.match(line('halo-demo'), /Connected/, `halo-demo connected\n${r.describe()}`);
  assert.doesNotMatch(line('halo-demo'), /Failed|✗/, r.describe());
  assert.ok(line('halo-broken'), `halo-broken listed\n${r.describe()}`);
  assert.doesNotMatch(line('halo-broken'), /✔ Connected/, `a server that exits is not connected\n${r.describe()}`);

  r = claudeRun(['mcp', 'get', 'halo-demo'], { home, cwd, timeoutMs: 120000 });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, /Status: .*Connected/, r.describe());
  assert.match(r.stdout, /Type: stdio/, r.describe());
});

test("the plugin's own MCP server connects through bin/halo-mcp once its userConfig is set", () => {
  const home = tempDir('halo-mcp-claude-');
  const cwd = tempDir('halo-mcp-claude-cwd-');
  // bin/halo-mcp honours HALO_MCP_BUILD_DIR: point it at a wrapper that records each start and
  // runs the binary under test, proving the launcher (and the environment) was used.
  const buildDir = tempDir('halo-mcp-claude-build-');
  mkdirSync(path.join(buildDir, 'server'));
  const starts = path.join(buildDir, 'starts.log');
  const wrapper = path.join(buildDir, 'server', 'halo-mcp');
  writeFileSync(wrapper, '#!/bin/sh\n' +
    `echo "args=$* base=$HALOPSA_BASE_URL id=$HALOPSA_CLIENT_ID tenant=[$HALOPSA_TENANT] ` +
    `secret=\${HALOPSA_CLIENT_SECRET:+set} ro=$HALO_MCP_READ_ONLY" >> '${starts}'\n` +
    `exec '${serverBinary()}' "$@"\n`);
  chmodSync(wrapper, 0o755);
  const env = { HALO_MCP_BUILD_DIR: buildDir };
  const withPlugin = ['--plugin-dir', REPO_ROOT];
  const id = `${JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8')).name}@inline`;

  let r = claudeRun([...withPlugin, 'plugin', 'configure', id, '--json'], { home, cwd, env });
  assert.equal(r.status, 0, r.describe());
  const schema = JSON.parse(r.stdout).schema;
  assert.equal(schema.client_secret?.sensitive, true, r.stdout);

  // Invalid settings: the server refuses to start, so Claude Code must not report it connected.
  const configure = (values) => claudeRun([...withPlugin, 'plugin', 'configure', id, '--values-stdin'],
                                          { home, cwd, env, input: JSON.stringify(values) });
  r = configure({ base_url: 'ftp://not-a-halopsa', client_id: 'test-id', client_secret: 'test-secret', read_only: 'true' });
  assert.equal(r.status, 0, r.describe());
  const serverLine = (out) => out.split('\n').find((l) => /halo-mcp.*halopsa.*:/.test(l) && /bin\/halo-mcp/.test(l)) ?? '';
  r = claudeRun([...withPlugin, 'mcp', 'list'], { home, cwd, env, timeoutMs: 120000 });
  assert.ok(serverLine(r.stdout), `the plugin's server is listed\n${r.describe()}`);
  assert.doesNotMatch(serverLine(r.stdout), /✔ Connected/, `bad settings reach the server, which refuses them\n${r.describe()}`);

  // Plausible settings (nothing is contacted until a tool is called): connected.
  r = configure({ base_url: 'https://halo-mcp-test.invalid', client_id: 'test-id', client_secret: 'test-secret', read_only: 'true' });
  assert.equal(r.status, 0, r.describe());
  r = claudeRun([...withPlugin, 'mcp', 'list'], { home, cwd, env, timeoutMs: 120000 });
  assert.equal(r.status, 0, r.describe());
  assert.match(serverLine(r.stdout), /✔ Connected/, `the plugin's server is connected\n${r.describe()}`);
  assert.ok(existsSync(starts), `Claude Code started the server through bin/halo-mcp\n${r.describe()}`);
  // The userConfig values reach the server's environment (the secret only as "set").
  const last = readFileSync(starts, 'utf8').trim().split('\n').pop();
  assert.equal(last, 'args=--stdio base=https://halo-mcp-test.invalid id=test-id tenant=[] secret=set ro=true',
               'the manifest\'s arguments and the userConfig values in the environment');
  assert.match(serverLine(r.stdout), new RegExp(`${REPO_ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/bin/halo-mcp`),
               `\${CLAUDE_PLUGIN_ROOT} resolved to the repository\n${r.describe()}`);
});

// The way users install it: add the repository's marketplace (.claude-plugin/marketplace.json),
// install the plugin from it, set its userConfig, and see its server connected. Claude Code copies
// a local plugin's whole directory into its cache, so the marketplace is a copy of the files the
// plugin consists of (not build/ or node_modules); bin/halo-mcp finds the built server through
// HALO_MCP_BUILD_DIR, as an installed one would be found on PATH.
test('marketplace add + plugin install: the plugin, its skill and commands install and its server connects', () => {
  const home = tempDir('halo-mcp-claude-');
  const cwd = tempDir('halo-mcp-claude-cwd-');
  const market = tempDir('halo-mcp-marketplace-');
  for (const part of ['.claude-plugin', 'plugin.json', 'bin', 'skills', 'commands', 'LICENSE', 'README.md']) {
    cpSync(path.join(REPO_ROOT, part), path.join(market, part), { recursive: true });
  }
  const env = { HALO_MCP_BUILD_DIR: path.dirname(path.dirname(serverBinary())) };
  const catalogue = JSON.parse(readFileSync(path.join(REPO_ROOT, '.claude-plugin', 'marketplace.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'plugin.json'), 'utf8'));
  assert.deepEqual(catalogue.plugins.map((p) => [p.name, p.source, p.version]), [[manifest.name, './', manifest.version]],
                   'the marketplace lists this plugin at the repository root, at its version');

  let r = claudeRun(['plugin', 'validate', '.'], { home, cwd: market });
  assert.equal(r.status, 0, r.describe());
  r = claudeRun(['plugin', 'marketplace', 'add', market], { home, cwd });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, new RegExp(`Successfully added marketplace: ${catalogue.name}`), r.describe());
  const id = `${manifest.name}@${catalogue.name}`;
  r = claudeRun(['plugin', 'install', id, '--config', 'base_url=https://halo-mcp-test.invalid',
                 '--config', 'client_id=test-id', '--config', 'client_secret=test-secret'], { home, cwd, env });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, new RegExp(`Successfully installed plugin: ${id}`), r.describe());

  // The installed copy carries the skill and the slash commands.
  const installed = JSON.parse(readFileSync(path.join(home, '.claude', 'plugins', 'installed_plugins.json'), 'utf8'));
  const entry = [installed.plugins?.[id]].flat()[0];
  assert.ok(entry?.installPath, `installed_plugins.json names ${id}\n${JSON.stringify(installed)}`);
  assert.ok(existsSync(path.join(entry.installPath, 'skills', 'halopsa', 'SKILL.md')), 'skill installed');
  for (const c of ['triage-queue', 'my-day', 'close-ticket', 'handover', 'client-review']) {
    assert.ok(existsSync(path.join(entry.installPath, 'commands', `${c}.md`)), `command ${c} installed`);
  }

  r = claudeRun(['mcp', 'list'], { home, cwd, env, timeoutMs: 120000 });
  assert.equal(r.status, 0, r.describe());
  const line = r.stdout.split('\n').find((l) => /halo-mcp.*halopsa.*:/.test(l)) ?? '';
  assert.match(line, /✔ Connected/, `the installed plugin's server is connected\n${r.describe()}`);
  // ${CLAUDE_PLUGIN_ROOT} is the installed copy, or for a local marketplace its directory.
  const launcher = line.match(/: (\S+\/bin\/halo-mcp) --stdio /)?.[1];
  assert.ok([entry.installPath, market].some((root) => launcher === path.join(root, 'bin', 'halo-mcp')),
            `it runs the plugin's launcher, not the repository's\n${r.describe()}`);
});
