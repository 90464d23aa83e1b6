// The deploy bundle (bench/.out/index.js), which bench/isolate.mjs loads as `proxy.js` next to
// bench/isolate-worker.js inside the in-isolate loop's Worker.
declare const proxy: {
  fetch(request: Request, env: unknown, ctx: unknown): Promise<Response>;
  queue(batch: unknown, env: unknown, ctx: unknown): Promise<void>;
};
export default proxy;
