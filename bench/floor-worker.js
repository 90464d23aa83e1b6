// @ts-check
// The floor baseline: the thinnest Worker that can stand in for the proxy. It calls the upstream
// and hands back the response untouched, so its cost is the runtime's own pass-through cost.
// The body is buffered, as the proxy must (it validates the JSON), so that is not a difference.
//
// With RELAY set (`npm run bench -- --relays`), it relays a streamed answer the other ways a
// Worker could watch one, so what watching costs is measured against the same floor.

/** @typedef {{ UP: string, KEY: string, RELAY?: string }} FloorEnv */
/** @typedef {{ waitUntil(promise: Promise<unknown>): void }} ExecutionContext */
/**
 * workerd's BYOB reader, which fills a buffer with whatever has arrived (at least `min` bytes).
 * @typedef {{ readAtLeast(min: number, view: Uint8Array): Promise<ReadableStreamReadResult<Uint8Array>> }} ByobReader
 */

/** workerd's native pass-through stream (no JavaScript per chunk); this file is type-checked as Node code. */
const { IdentityTransformStream } = /** @type {any} */ (globalThis);

/** Largest read of a watched copy, as the proxy's relay reads it. */
const READ_BYTES = 64 * 1024;

export default {
  /** @param {Request} request @param {FloorEnv} env @param {ExecutionContext} ctx */
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const up = await fetch(env.UP + url.pathname + url.search, {
      method: request.method,
      headers: {
        authorization: `Bearer ${env.KEY}`,
        'content-type': request.headers.get('content-type') ?? 'application/json',
      },
      body: request.method === 'GET' ? null : await request.arrayBuffer(),
    });
    if (!env.RELAY || !up.body) return new Response(up.body, up);
    return new Response(watched(env.RELAY, up.body, ctx), up);
  },
};

/**
 * The client's body under each way of watching the stream. Every copy is read by a task the
 * request keeps alive (`waitUntil`), as the proxy's is: workerd stops unheld reads once the
 * response has ended, which would hide their cost.
 * @param {string} relay @param {ReadableStream<Uint8Array>} body @param {ExecutionContext} ctx
 * @returns {ReadableStream<Uint8Array>}
 */
function watched(relay, body, ctx) {
  if (relay === 'tee-eager' || relay === 'tee-ticked') {
    // The client's branch goes out natively; the copy is read as it comes, or every 250 ms.
    const [toClient, copy] = body.tee();
    ctx.waitUntil(readCopy(copy, relay === 'tee-ticked' ? 250 : 0));
    return toClient;
  }
  if (relay === 'js') {
    // No tee: JavaScript reads the upstream and writes each read on, as large as it comes.
    /** @type {{ readable: ReadableStream<Uint8Array>, writable: WritableStream<Uint8Array> }} */
    const { readable, writable } = new IdentityTransformStream();
    ctx.waitUntil(copyInJs(body, writable.getWriter()));
    return readable;
  }
  throw new Error(`unknown RELAY ${relay}`);
}

/** @param {ReadableStream<Uint8Array>} copy @param {number} tickMs */
async function readCopy(copy, tickMs) {
  const reader = /** @type {ByobReader} */ (/** @type {unknown} */ (copy.getReader({ mode: 'byob' })));
  for (;;) {
    const next = await reader.readAtLeast(1, new Uint8Array(READ_BYTES));
    if (next.done) return;
    // As the proxy does: a small read means the stream trickles, so let it gather.
    if (tickMs > 0 && next.value.byteLength < 8192)
      await new Promise((resolve) => setTimeout(resolve, tickMs));
  }
}

/** @param {ReadableStream<Uint8Array>} body @param {WritableStreamDefaultWriter<Uint8Array>} writer */
async function copyInJs(body, writer) {
  const reader = /** @type {ByobReader} */ (/** @type {unknown} */ (body.getReader({ mode: 'byob' })));
  for (;;) {
    const next = await reader.readAtLeast(1, new Uint8Array(READ_BYTES));
    if (next.done) break;
    await writer.write(next.value);
  }
  await writer.close();
}
