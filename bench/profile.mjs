// @ts-check
// `npm run bench:profile`: where the Worker's own CPU goes. Builds the bundle unminified, runs it
// under Miniflare with the V8 inspector on, drives a load against the mock upstream while the
// sampling profiler runs, and prints self time per function, grouped into the request's stages.
// Usage: npm run bench:profile -- [non-stream|stream|isolate] [requests] [VAR=value ...]
// `isolate` profiles bench/isolate-worker.js's loop (no network, console.log silenced) and adds
// the time per source module of the bundle: the request's stages, in one table.
// (Node 20 needs --experimental-websocket for the inspector's WebSocket; the npm script passes it.)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Miniflare } from 'miniflare';
import { startMockUpstream } from '../test/mock-upstream/server.mjs';
import { buildWorker } from './build.mjs';
import { keepAliveAgent, send } from './http.mjs';
import { loop, mockAnswer, startLoop } from './isolate.mjs';
import { pool } from './pool.mjs';
import { productionResources, productionSettings } from './production.mjs';
import { CLIENT_KEY, UPSTREAM_KEY } from './targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = 'bench/.out/profile';
const INSPECTOR_PORT = 9239;

const [kind = 'non-stream', countArg = '2000', ...rest] = process.argv.slice(2);
const extra = Object.fromEntries(
  rest
    .filter((arg) => arg.includes('='))
    .map((arg) => [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]),
);

/** @param {string} url */
async function inspectorSocket(url) {
  const targets = /** @type {{ webSocketDebuggerUrl: string, title: string }[]} */ (
    await (await fetch(`${url}/json`)).json()
  );
  const target = targets.find((t) => t.title.includes('core:user')) ?? targets[0];
  if (!target) throw new Error('no inspector target');
  const socket = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.addEventListener('open', resolve, { once: true });
    socket.addEventListener('error', reject, { once: true });
  });
  let id = 0;
  /** @type {Map<number, (value: any) => void>} */
  const waiting = new Map();
  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    if (message.id !== undefined) waiting.get(message.id)?.(message.result ?? message.error);
  });
  return {
    /** @param {string} method @param {object} [params] @returns {Promise<any>} */
    call(method, params = {}) {
      const callId = ++id;
      socket.send(JSON.stringify({ id: callId, method, params }));
      return new Promise((resolve) => waiting.set(callId, resolve));
    },
    close: () => socket.close(),
  };
}

/** The profiler's name for samples taken while the thread waited. */
const IDLE = '(idle)';

/** @param {any} profile */
function selfTimes(profile) {
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((/** @type {any} */ node) => [node.id, node]));
  /** @type {Map<number, number>} */
  const hits = new Map();
  const deltas = profile.timeDeltas;
  profile.samples.forEach((/** @type {number} */ nodeId, /** @type {number} */ index) => {
    hits.set(nodeId, (hits.get(nodeId) ?? 0) + (deltas[index + 1] ?? 0));
  });
  /** @type {Map<string, number>} */
  const byFunction = new Map();
  let total = 0;
  for (const [nodeId, micros] of hits) {
    const frame = nodes.get(nodeId)?.callFrame;
    if (frame?.functionName === IDLE) continue; // waiting, not running: not part of any total
    const name = `${frame?.functionName || '(anonymous)'} ${path.basename(frame?.url ?? '')}:${(frame?.lineNumber ?? 0) + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    total += micros;
  }
  return { total, rows: [...byFunction].sort((a, b) => b[1] - a[1]) };
}

/**
 * Time per source module: each sample goes to the bundle module (esbuild's `// src/…` markers)
 * of its innermost frame in the bundle, so runtime calls count for the code that made them.
 * @param {any} profile @param {string} bundle the unminified bundle's text
 */
function moduleTimes(profile, bundle) {
  /** @type {string[]} */
  const moduleAt = [];
  let current = '(bundle prelude)';
  for (const line of bundle.split('\n')) {
    current = /^\/\/ ((?:src|node_modules)\/\S+)/.exec(line)?.[1] ?? current;
    moduleAt.push(current);
  }
  /** @type {Map<number, any>} */
  const nodes = new Map(profile.nodes.map((/** @type {any} */ node) => [node.id, node]));
  /** @type {Map<number, number>} */
  const parents = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  /** @param {number} id */
  const owner = (id) => {
    for (let at = /** @type {number | undefined} */ (id); at !== undefined; at = parents.get(at)) {
      const frame = nodes.get(at)?.callFrame;
      if (frame?.url.endsWith('/proxy.js') || frame?.url === 'proxy.js')
        return moduleAt[frame.lineNumber] ?? '?';
      if (frame?.url.endsWith('isolate-worker.js')) return 'bench loop and fake upstream';
      if (frame?.url.endsWith('floor-worker.js')) return 'the floor Worker';
    }
    // V8's own entries are already in brackets: (program), (garbage collector).
    const name = nodes.get(id)?.callFrame.functionName || 'runtime calls outside any module';
    return name.startsWith('(') ? name : `(${name})`;
  };
  /** @type {Map<string, number>} */
  const times = new Map();
  profile.samples.forEach((/** @type {number} */ nodeId, /** @type {number} */ index) => {
    if (nodes.get(nodeId)?.callFrame.functionName === IDLE) return;
    const name = owner(nodeId);
    times.set(name, (times.get(name) ?? 0) + (profile.timeDeltas[index + 1] ?? 0));
  });
  return [...times].sort((a, b) => b[1] - a[1]);
}

/** `isolate`: the in-isolate loop under the profiler. */
async function profileIsolate() {
  const count = Number(countArg);
  const worker = process.env['PROFILE_FLOOR'] === '1' ? 'floor' : 'proxy';
  const target = await startLoop(await mockAnswer(), `${OUT}/build/index.js`, {
    inspectorPort: INSPECTOR_PORT,
    bindings: extra,
  });
  try {
    await loop(target.url, worker, 1000, '&quiet');
    const inspector = await inspectorSocket(`http://127.0.0.1:${INSPECTOR_PORT}`);
    await inspector.call('Profiler.enable');
    await inspector.call('Profiler.setSamplingInterval', { interval: 50 });
    await inspector.call('Profiler.start');
    await loop(target.url, worker, count, '&quiet');
    const { profile } = await inspector.call('Profiler.stop');
    inspector.close();
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(`${OUT}/isolate.cpuprofile`, JSON.stringify(profile));
    const { total, rows } = selfTimes(profile);
    console.log(
      `isolate (${worker}): ${count} requests, sampled time ${(total / count).toFixed(1)} µs/request, idle excluded`,
    );
    console.log("by source module (the request's stages):");
    for (const [name, micros] of moduleTimes(profile, fs.readFileSync(`${OUT}/build/index.js`, 'utf8'))) {
      if (micros / count < 1) break;
      console.log(
        `${(micros / count).toFixed(1).padStart(8)} µs/req  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`,
      );
    }
    console.log('by function:');
    for (const [name, micros] of rows.slice(0, 30)) {
      console.log(
        `${(micros / count).toFixed(2).padStart(8)} µs/req  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`,
      );
    }
  } finally {
    await target.stop();
  }
}

async function main() {
  process.chdir(ROOT);
  await buildWorker(`${OUT}/build`, AbortSignal.timeout(120_000), ['--minify', 'false']);
  if (kind === 'isolate') return profileIsolate();
  const prod = productionSettings();
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const floor = process.env['PROFILE_FLOOR'] === '1';
  const mf = new Miniflare({
    modules: true,
    scriptPath: floor ? 'bench/floor-worker.js' : (process.env['PROFILE_SCRIPT'] ?? `${OUT}/build/index.js`),
    compatibilityDate: prod.compatibilityDate,
    compatibilityFlags: prod.compatibilityFlags,
    ...productionResources(prod),
    bindings: floor
      ? { UP: new URL(mock.url).origin, KEY: UPSTREAM_KEY }
      : {
          ...prod.vars,
          OPENAI_BASE_URL: mock.url,
          OPENAI_API_KEY: UPSTREAM_KEY,
          PROXY_KEYS: CLIENT_KEY,
          CACHE_TTL: '0',
          ...extra,
        },
    host: '127.0.0.1',
    port: 0,
    inspectorPort: INSPECTOR_PORT,
    handleRuntimeStdio(stdout, stderr) {
      stdout.resume();
      stderr.pipe(process.stderr);
    },
  });
  const base = new URL('/v1/', await mf.ready);
  const agent = keepAliveAgent();
  const count = Number(countArg);
  let sent = 0;
  const call = () => {
    const streamed = kind === 'stream';
    const body = {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Say hello to the profiler.' }],
      user: `profile-${sent++}`,
      ...(streamed
        ? { stream: true, x_mock: { scenario: 'chunks', count: 1000, size: 10, intervalMs: 0 } }
        : {}),
    };
    return send(agent, new URL('chat/completions', base), {
      method: 'POST',
      headers: { authorization: `Bearer ${CLIENT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: 15_000,
      signal: AbortSignal.timeout(300_000),
    });
  };
  try {
    await pool(300, 8, call, Infinity); // warm-up: compile, fill per-isolate caches
    const inspector = await inspectorSocket(`http://127.0.0.1:${INSPECTOR_PORT}`);
    await inspector.call('Profiler.enable');
    await inspector.call('Profiler.setSamplingInterval', { interval: 50 });
    await inspector.call('Profiler.start');
    const run = await pool(kind === 'stream' ? Math.min(count, 60) : count, 8, call, Infinity);
    const { profile } = await inspector.call('Profiler.stop');
    inspector.close();
    if (run.errors.length) console.error(`errors: ${run.errors.length}`, run.errors[0]);
    fs.mkdirSync(OUT, { recursive: true });
    fs.writeFileSync(`${OUT}/${kind}.cpuprofile`, JSON.stringify(profile));
    const { total, rows } = selfTimes(profile);
    const n = run.results.length;
    console.log(
      `${kind}: ${n} requests, sampled JS-thread time ${(total / 1000).toFixed(1)} ms (${(total / n).toFixed(1)} µs/request)`,
    );
    for (const [name, micros] of rows.slice(0, 45)) {
      console.log(
        `${(micros / n).toFixed(2).padStart(8)} µs/req  ${((100 * micros) / total).toFixed(1).padStart(5)}%  ${name}`,
      );
    }
  } finally {
    agent.destroy();
    await mf.dispose();
    await mock.close();
  }
}

await main();
