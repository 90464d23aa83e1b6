// @ts-check
// The in-isolate loop (`npm run bench -- --isolate`): one request runs N chat completions through
// a Worker's own `fetch` in a loop, against a fake upstream answered in memory, so the CPU the
// process spends is the Worker's JavaScript and runtime API calls alone. No sockets, no HTTP
// parsing: the part of a request's cost that the network's noise hides in the end-to-end runs.
//
// `?worker=floor` runs bench/floor-worker.js (forward, pass the answer through); `?worker=proxy`
// the deploy bundle, imported as `./proxy.js` (bench/isolate.mjs names it so). Both get the same
// fake upstream: the mock's answer (its headers and body, taken from the mock at start) in two
// chunks.
import floorWorker from './floor-worker.js';
import proxy from './proxy.js';

// The proxy's Durable Object classes must be exported by the main module.
export * from './proxy.js';

/** @typedef {{ ISOLATE_ANSWER: string, [name: string]: unknown }} LoopEnv */
/** @typedef {{ waitUntil(promise: Promise<unknown>): void, passThroughOnException(): void }} Context */
/** @typedef {{ fetch(request: Request, env: LoopEnv, ctx: Context): Promise<Response> }} Fetcher */

const REQUEST_BODY = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello to the benchmark.' }],
  user: 'isolate-bench',
});
const REQUEST_HEADERS = {
  authorization: 'Bearer bench-key',
  'content-type': 'application/json',
  'content-length': String(new TextEncoder().encode(REQUEST_BODY).byteLength),
  'user-agent': 'OpenAI/JS 6.0.0',
};

/** @type {{ headers: Headers, body: Uint8Array } | undefined} */
let answer;

/** @param {LoopEnv} env */
function upstreamAnswer(env) {
  if (!answer) {
    const { headers, body } = /** @type {{ headers: [string, string][], body: string }} */ (
      JSON.parse(env.ISOLATE_ANSWER)
    );
    answer = { headers: new Headers(headers), body: new TextEncoder().encode(body) };
  }
  return answer;
}

/** The fake upstream: reads the request body as a server would, answers in two chunks. */
async function fakeFetch(/** @type {unknown} */ _url, /** @type {RequestInit | undefined} */ init) {
  if (init?.body) await new Response(init.body).arrayBuffer();
  const { headers, body } = /** @type {NonNullable<typeof answer>} */ (answer);
  const half = body.byteLength >> 1;
  const chunks = [body.subarray(0, half), body.subarray(half)];
  const stream = new ReadableStream({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  return new Response(stream, { status: 200, headers });
}

/** The floor Worker itself, pointed at the fake upstream. @type {Fetcher} */
const floor = {
  fetch: (request, _env, ctx) =>
    floorWorker.fetch(request, { UP: 'http://upstream.invalid', KEY: 'sk-upstream' }, ctx),
};

const WORKERS = /** @type {Record<string, Fetcher>} */ ({ floor, proxy });

export default {
  /** The ledger's consumer, as in production. @param {unknown} batch @param {LoopEnv} env @param {unknown} ctx */
  queue: (batch, env, ctx) => proxy.queue(batch, env, ctx),
  /** @param {Request} request @param {LoopEnv} env */
  async fetch(request, env) {
    const url = new URL(request.url);
    const worker = WORKERS[url.searchParams.get('worker') ?? ''];
    const count = Number(url.searchParams.get('n') ?? 0);
    if (!worker) return new Response('unknown worker', { status: 400 });
    upstreamAnswer(env);
    globalThis.fetch = /** @type {typeof fetch} */ (fakeFetch);
    // Profiling only: with the inspector attached, each console.log costs ~100x what it does
    // without one, and would drown every other stage (`npm run bench:profile -- isolate`). It
    // stays silenced for this isolate's life: each Miniflare the profiler starts does only that.
    if (url.searchParams.has('quiet')) console.log = () => {};
    // Each request's waitUntil work (settlement, log line, ledger row) is awaited before the
    // loop answers, so its CPU is counted too.
    /** @type {Promise<unknown>[]} */
    const background = [];
    const loopCtx = {
      waitUntil: (/** @type {Promise<unknown>} */ p) => void background.push(p),
      passThroughOnException() {},
    };
    let bytes = 0;
    for (let index = 0; index < count; index++) {
      const call = new Request('http://proxy.invalid/v1/chat/completions', {
        method: 'POST',
        headers: REQUEST_HEADERS,
        body: REQUEST_BODY,
      });
      const response = await worker.fetch(call, env, loopCtx);
      const body = await response.arrayBuffer();
      if (response.status !== 200) {
        const text = new TextDecoder().decode(body);
        return new Response(`request ${index} answered ${response.status}: ${text}`, { status: 500 });
      }
      bytes += body.byteLength;
    }
    // A failing log line or ledger write would make the proxy look cheaper: it fails the run.
    const failed = (await Promise.allSettled(background)).filter((result) => result.status === 'rejected');
    if (failed.length > 0) {
      const reason = String(/** @type {PromiseRejectedResult} */ (failed[0]).reason);
      return new Response(`${failed.length} requests' background work failed: ${reason}`, { status: 500 });
    }
    return Response.json({ requests: count, bytes });
  },
};
