// The Claude Code plugin manifest and its launcher, checked without Claude Code:
// plugin.json and .claude-plugin/plugin.json are the same, the version matches CMake's project
// version and the binary's --version, every userConfig option referenced is declared (and every
// declared one used), no secrets, and bin/halo-mcp starts the built server or says how to build.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO_ROOT, cleanEnv, run, serverBinary, tempDir } from './lib.mjs';

const topFile = path.join(REPO_ROOT, 'plugin.json');
const claudeFile = path.join(REPO_ROOT, '.claude-plugin', 'plugin.json');
const launcher = path.join(REPO_ROOT, 'bin', 'halo-mcp');
const manifest = JSON.parse(readFileSync(topFile, 'utf8'));

test('.claude-plugin/plugin.json is byte-identical to plugin.json', () => {
  assert.equal(readFileSync(claudeFile, 'utf8'), readFileSync(topFile, 'utf8'),
               'copy plugin.json to .claude-plugin/plugin.json after editing it');
});

test("the manifest version is CMake's project version and the binary's --version", () => {
  const cmake = readFileSync(path.join(REPO_ROOT, 'CMakeLists.txt'), 'utf8');
  const m = cmake.match(/project\(\s*halo_mcp\b[^)]*\bVERSION\s+([0-9][0-9.]*)/);
  assert.ok(m, 'project(halo_mcp VERSION x.y.z) found in CMakeLists.txt');
  assert.equal(manifest.version, m[1]);
  const r = run(serverBinary(), ['--version'], { env: cleanEnv(), timeoutMs: 10000 });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, new RegExp(`\\b${m[1].replace(/\./g, '\\.')}\\b`), r.describe());
});

test('the manifest has the metadata a plugin catalogue shows', () => {
  assert.match(manifest.name, /^[a-z][a-z0-9-]*$/);
  for (const key of ['description', 'license']) {
    assert.equal(typeof manifest[key], 'string', key);
    assert.ok(manifest[key].length > 0, key);
  }
  assert.ok(manifest.author?.name, 'author.name');
});

test('the licence the manifest names is the LICENSE file in the repository', () => {
  assert.equal(manifest.license, 'MIT');
  const text = readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
  assert.match(text, /^MIT License\n/);
  assert.match(text, /Permission is hereby granted, free of charge/);
});

// The project has no public web address yet: a manifest must not invent one. Addresses may
// appear only as examples inside descriptions (the HaloPSA URL setting explains its format).
test('no web addresses in the manifests outside descriptions (no placeholders)', () => {
  const manifests = ['plugin.json', '.claude-plugin/plugin.json', '.claude-plugin/marketplace.json', 'manifest.json'];
  for (const file of manifests) {
    let parsed;
    try {
      parsed = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8'));
    } catch (e) {
      if (e.code === 'ENOENT') continue;
      throw e;
    }
    const walk = (value, where) => {
      if (typeof value === 'string') {
        if (!where.endsWith('.description')) assert.doesNotMatch(value, /\bhttps?:\/\//, `${file} ${where}`);
      } else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, `${where}.${k}`);
      }
    };
    walk(parsed, '');
    assert.doesNotMatch(JSON.stringify(parsed), /example\.(com|org)|your-?org|TODO|FIXME|<owner>/i, file);
  }
});

test('the MCP server starts the launcher over stdio from ${CLAUDE_PLUGIN_ROOT}', () => {
  const servers = Object.entries(manifest.mcpServers ?? {});
  assert.equal(servers.length, 1, 'one MCP server');
  const [, server] = servers[0];
  assert.equal(server.type ?? 'stdio', 'stdio');
  assert.equal(server.command, '${CLAUDE_PLUGIN_ROOT}/bin/halo-mcp');
  assert.ok(!server.args?.includes('--demo'), 'the plugin serves the real tenant, not the demo');
});

test('userConfig: every option referenced is declared, every one declared is used, the secret is sensitive', () => {
  const declared = Object.keys(manifest.userConfig ?? {});
  const text = JSON.stringify(manifest.mcpServers);
  const referenced = [...text.matchAll(/\$\{user_config\.([A-Za-z_]\w*)\}/g)].map((m) => m[1]);
  for (const key of referenced) assert.ok(declared.includes(key), `\${user_config.${key}} is declared`);
  for (const key of declared) assert.ok(referenced.includes(key), `userConfig.${key} is used`);
  for (const [key, opt] of Object.entries(manifest.userConfig)) {
    assert.ok(opt.title && opt.description, `${key} has a title and a description`);
  }
  const env = Object.values(manifest.mcpServers)[0].env;
  for (const name of ['HALOPSA_BASE_URL', 'HALOPSA_CLIENT_ID', 'HALOPSA_CLIENT_SECRET', 'HALOPSA_TENANT', 'HALO_MCP_READ_ONLY']) {
    assert.ok(name in env, `${name} is passed to the server`);
  }
  const secretKey = env.HALOPSA_CLIENT_SECRET.match(/^\$\{user_config\.(\w+)\}$/)?.[1];
  assert.ok(secretKey, 'the client secret comes from userConfig');
  assert.equal(manifest.userConfig[secretKey].sensitive, true, 'the client secret is sensitive');
  assert.ok(!('default' in manifest.userConfig[secretKey]), 'the client secret has no default');
});

test('no secrets or literal settings in the manifest: every env value is a reference', () => {
  for (const server of Object.values(manifest.mcpServers)) {
    for (const [name, value] of Object.entries(server.env ?? {})) {
      assert.match(value, /^\$\{[A-Za-z_][\w.]*\}$/, `${name} is a \${...} reference, not a literal`);
    }
  }
  const raw = readFileSync(topFile, 'utf8');
  assert.doesNotMatch(raw, /"(client_secret|secret|password|token|api_key)"\s*:\s*"(?!\$\{)[^"]+"/i);
  assert.doesNotMatch(raw, /[A-Za-z0-9+/]{40,}/, 'no long opaque strings');
});

test('bin/halo-mcp runs the built server, passing its arguments', () => {
  const bin = serverBinary();
  const buildDir = path.dirname(path.dirname(bin));
  const r = run(launcher, ['--version'], { env: cleanEnv({ HALO_MCP_BUILD_DIR: buildDir }), timeoutMs: 10000 });
  assert.equal(r.status, 0, r.describe());
  assert.match(r.stdout, /halo-mcp \d+\.\d+\.\d+/, r.describe());
});

test('bin/halo-mcp prefers $HALO_MCP_BUILD_DIR and passes arguments and stdin through', () => {
  const dir = tempDir('halo-mcp-launcher-');
  mkdirSync(path.join(dir, 'server'));
  const fake = path.join(dir, 'server', 'halo-mcp');
  writeFileSync(fake, '#!/bin/sh\necho "fake $*"\ncat\n');
  chmodSync(fake, 0o755);
  const r = run(launcher, ['--stdio', 'a b'], { env: cleanEnv({ HALO_MCP_BUILD_DIR: dir }), input: 'from stdin\n', timeoutMs: 10000 });
  assert.equal(r.status, 0, r.describe());
  assert.equal(r.stdout, 'fake --stdio a b\nfrom stdin\n', r.describe());
});

test('bin/halo-mcp without a build says how to build, exit 127', () => {
  // A copy of the launcher in an empty checkout, with no halo-mcp on PATH.
  const dir = tempDir('halo-mcp-nobuild-');
  mkdirSync(path.join(dir, 'bin'));
  const copy = path.join(dir, 'bin', 'halo-mcp');
  writeFileSync(copy, readFileSync(launcher));
  chmodSync(copy, 0o755);
  const env = cleanEnv({ PATH: path.join(dir, 'bin') + ':/usr/bin:/bin' });
  const r = run(copy, ['--stdio'], { env, timeoutMs: 10000 });
  assert.equal(r.status, 127, r.describe());
  assert.equal(r.stdout, '', 'nothing on stdout (it is the MCP channel)');
  assert.match(r.stderr, /not built/, r.describe());
  assert.match(r.stderr, /scripts\/build\.sh/, r.describe());
});

// The plugin's skill and slash commands: well-formed, naming only tools that exist, one command
// per service-desk prompt, and the safety rules the skill must teach.
const toolNames = new Set(readdirSync(path.join(REPO_ROOT, 'schemas'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) => readdirSync(path.join(REPO_ROOT, 'schemas', d.name))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(REPO_ROOT, 'schemas', d.name, f), 'utf8')).name)));

function frontmatter(file) {
  const text = readFileSync(file, 'utf8');
  const m = text.match(/^---\n([\s\S]*?)\n---\n([\s\S]+)$/);
  assert.ok(m, `${file} starts with a --- frontmatter block`);
  const fields = Object.fromEntries(m[1].split('\n').map((l) => l.match(/^([\w-]+):\s*(.*)$/)).filter(Boolean)
    .map((x) => [x[1], x[2]]));
  return { fields, body: m[2] };
}

function toolsNamed(text) {
  return [...text.matchAll(/\bhalopsa_[a-z_]+\b/g)].map((m) => m[0]);
}

test('the skill is well-formed, names real tools and teaches the safety rules', () => {
  const file = path.join(REPO_ROOT, 'skills', 'halopsa', 'SKILL.md');
  const { fields, body } = frontmatter(file);
  assert.equal(fields.name, 'halopsa');
  assert.ok(fields.description?.length > 40, 'a description that says when to use it');
  const named = toolsNamed(body);
  assert.ok(new Set(named).size >= 6, 'it names the tools to use');
  for (const t of named) assert.ok(toolNames.has(t), `${t} (named in SKILL.md) is a tool in schemas/`);
  for (const rule of [/names?, not ids/i, /private/i, /never email a customer unless/i, /confirm: true/,
                      /"me"/, /acting agent/i, /outcome is unknown/i]) {
    assert.match(body, rule, `the skill covers ${rule}`);
  }
});

test('one slash command per service-desk prompt, each naming real tools', () => {
  const dir = path.join(REPO_ROOT, 'commands');
  const commands = readdirSync(dir).filter((f) => f.endsWith('.md')).map((f) => f.slice(0, -3)).sort();
  assert.deepEqual(commands, ['client-review', 'close-ticket', 'handover', 'my-day', 'triage-queue']);
  for (const c of commands) {
    const { fields, body } = frontmatter(path.join(dir, `${c}.md`));
    assert.ok(fields.description, `${c} has a description`);
    assert.ok(fields['argument-hint'], `${c} has an argument hint`);
    assert.match(body, /\$ARGUMENTS/, `${c} uses its arguments`);
    const named = toolsNamed(body);
    assert.ok(named.length >= 2, `${c} names the tools to use`);
    for (const t of named) assert.ok(toolNames.has(t), `${t} (named in ${c}.md) is a tool in schemas/`);
  }
  assert.match(readFileSync(path.join(dir, 'close-ticket.md'), 'utf8'), /no email to\s+the customer unless I explicitly ask/i);
});
