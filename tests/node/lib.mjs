// Shared helpers for the Node end-to-end tests (node --test). No third-party imports here:
// the npm packages are loaded lazily through requirePackage() so that a missing node_modules
// fails with a message saying how to install it, rather than a bare ERR_MODULE_NOT_FOUND.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
const NODE_MODULES = path.join(HERE, 'node_modules');

/** Imports an npm package installed in tests/node, or throws telling the user to install it. */
export async function requirePackage(specifier) {
  if (!existsSync(NODE_MODULES)) {
    throw new Error(
      `tests/node/node_modules is missing: run scripts/node-deps.sh (npm ci in tests/node) ` +
        `before these tests; ${specifier} is needed`);
  }
  try {
    return await import(specifier);
  } catch (e) {
    throw new Error(
      `cannot load ${specifier} from tests/node/node_modules (${e.message}); ` +
        `run scripts/node-deps.sh to reinstall the pinned packages`);
  }
}

/** The version an installed package reports in its package.json. */
export function installedVersion(pkg) {
  const file = path.join(NODE_MODULES, ...pkg.split('/'), 'package.json');
  return JSON.parse(readFileSync(file, 'utf8')).version;
}

/** The pinned version in tests/node/package.json (dependencies or devDependencies). */
export function pinnedVersion(pkg) {
  const manifest = JSON.parse(readFileSync(path.join(HERE, 'package.json'), 'utf8'));
  return manifest.dependencies?.[pkg] ?? manifest.devDependencies?.[pkg];
}

/**
 * The halo-mcp binary under test: $HALO_MCP_BINARY (CTest passes $<TARGET_FILE:halo-mcp>),
 * else build/server/halo-mcp in the repository.
 */
export function serverBinary() {
  const bin = process.env.HALO_MCP_BINARY || path.join(REPO_ROOT, 'build', 'server', 'halo-mcp');
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    throw new Error(`halo-mcp binary not found or not executable at ${bin}: build it first ` +
                    `(scripts/build.sh) or set HALO_MCP_BINARY`);
  }
  return bin;
}

/**
 * An environment for a spawned server with no HaloPSA settings of the caller leaking in,
 * so --demo is what is being tested.
 */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('HALOPSA_') || k.startsWith('HALO_MCP_')) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** A temporary directory removed when the process exits. */
export function tempDir(prefix) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Rejects after `ms` with a message naming what was being waited for. */
export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Collects a child's stderr (bounded) so failures can show the server's log. */
export class StderrTail {
  constructor(stream, limit = 16384) {
    this.text = '';
    this.limit = limit;
    stream?.on('data', (chunk) => {
      this.text = (this.text + chunk.toString('utf8')).slice(-this.limit);
    });
  }
  toString() {
    return this.text ? `\n--- server stderr (tail) ---\n${this.text}` : '';
  }
}

/**
 * A raw stdio connection to a server process: write arbitrary bytes, read every stdout line,
 * record lines that are not JSON-RPC messages.
 */
export class RawServer {
  constructor(command, args = [], env = cleanEnv()) {
    this.child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.stderr = new StderrTail(this.child.stderr);
    this.lines = [];          // every stdout line, raw
    this.garbage = [];        // stdout lines that are not JSON-RPC 2.0 messages
    this.queue = [];          // parsed messages not yet taken
    this.waiters = [];
    this.exit = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
    let buf = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.#onLine(line);
      }
    });
    this.child.stdin.on('error', () => {});  // EPIPE after the child exits is reported by tests
    this.nextId = 1000;
  }

  #onLine(line) {
    this.lines.push(line);
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      this.garbage.push(line);
      return;
    }
    const items = Array.isArray(msg) ? msg : [msg];
    if (items.length === 0 || !items.every(isJsonRpcMessage)) {
      this.garbage.push(line);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter(msg);
    else this.queue.push(msg);
  }

  writeRaw(data) {
    this.child.stdin.write(data);
  }
  send(message) {
    this.writeRaw(JSON.stringify(message) + '\n');
  }

  /** The next message on stdout (a response, a notification, or a batch array). */
  read(ms = 10000, what = 'a message from the server') {
    if (this.queue.length) return Promise.resolve(this.queue.shift());
    let waiter;
    const p = new Promise((resolve) => {
      waiter = resolve;
      this.waiters.push(resolve);
    });
    return withTimeout(p, ms, what + this.stderr).finally(() => {
      const i = this.waiters.indexOf(waiter);
      if (i >= 0) this.waiters.splice(i, 1);
    });
  }

  /** Reads until the response with `id`, skipping notifications. */
  async response(id, ms = 10000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for the response to id ${JSON.stringify(id)}${this.stderr}`);
      const msg = await this.read(left, `the response to id ${JSON.stringify(id)}`);
      if (!Array.isArray(msg) && 'id' in msg && msg.id === id) return msg;
      if (!Array.isArray(msg) && msg.method) continue;  // a notification
      throw new Error(`expected the response to id ${JSON.stringify(id)}, got ${JSON.stringify(msg)}`);
    }
  }

  async request(method, params, ms = 10000) {
    const id = this.nextId++;
    const msg = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    this.send(msg);
    return this.response(id, ms);
  }

  async close(ms = 5000) {
    this.child.stdin.end();
    try {
      return await withTimeout(this.exit, ms, 'the server to exit after end of input');
    } finally {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
  }
}

/** True when `m` is shaped like a JSON-RPC 2.0 request, notification or response. */
export function isJsonRpcMessage(m) {
  if (typeof m !== 'object' || m === null || Array.isArray(m) || m.jsonrpc !== '2.0') return false;
  if (typeof m.method === 'string') return true;
  if (!('id' in m)) return false;
  const idOk = m.id === null || typeof m.id === 'string' || Number.isInteger(m.id);
  const hasResult = 'result' in m;
  const hasError = 'error' in m;
  if (!idOk || hasResult === hasError) return false;
  if (hasError) {
    return Number.isInteger(m.error?.code) && typeof m.error?.message === 'string';
  }
  return true;
}

/** Runs a command synchronously with a timeout; returns { status, stdout, stderr, signal }. */
export function run(command, args, { env, cwd, timeoutMs = 60000, input } = {}) {
  const r = spawnSync(command, args, {
    env, cwd, input, encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.error && r.error.code !== 'ETIMEDOUT') throw r.error;
  return {
    status: r.status,
    signal: r.signal,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    timedOut: r.error?.code === 'ETIMEDOUT',
    describe() {
      return `$ ${command} ${args.join(' ')}\nexit ${r.status}${r.signal ? ` (signal ${r.signal})` : ''}` +
             `${r.error?.code === 'ETIMEDOUT' ? ` after a ${timeoutMs} ms timeout` : ''}\n` +
             `--- stdout ---\n${r.stdout ?? ''}\n--- stderr ---\n${r.stderr ?? ''}`;
    },
  };
}

export { pathToFileURL };
