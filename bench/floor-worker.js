// @ts-check
// The floor baseline: the thinnest Worker that can stand in for the proxy. It calls the upstream
// and hands back the response untouched, so its cost is the runtime's own pass-through cost.
// The body is buffered, as the proxy must (it validates the JSON), so that is not a difference.

/** @typedef {{ UP: string, KEY: string }} FloorEnv */

export default {
  /** @param {Request} request @param {FloorEnv} env */
  async fetch(request, env) {
    const url = new URL(request.url);
    const up = await fetch(env.UP + url.pathname + url.search, {
      method: request.method,
      headers: {
        authorization: `Bearer ${env.KEY}`,
        'content-type': request.headers.get('content-type') ?? 'application/json',
      },
      body: request.method === 'GET' ? null : await request.arrayBuffer(),
    });
    return new Response(up.body, up);
  },
};
