var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// node_modules/itty-router/index.mjs
var t = /* @__PURE__ */ __name(({ base: e = "", routes: t2 = [], ...o2 } = {}) => ({ __proto__: new Proxy({}, { get: /* @__PURE__ */ __name((o3, r2, a, s) => (o4, ...n) => t2.push([r2.toUpperCase?.(), RegExp(`^${(s = (e + o4).replace(/\/+(\/|$)/g, "$1")).replace(/(\/?\.?):(\w+)\+/g, "($1(?<$2>[^]+))").replace(/(\/?\.?):(\w+)/g, "($1(?<$2>[^$1/]+?))").replace(/\./g, "\\.").replace(/(\/?)\*/g, "($1.*)?")}/*$`), n, s]) && a, "get") }), routes: t2, ...o2, async fetch(e2, ...r2) {
  let a, s, n = new URL(e2.url), c = e2.query = { __proto__: null };
  for (let [e3, t3] of n.searchParams) c[e3] = c[e3] ? [].concat(c[e3], t3) : t3;
  e: try {
    for (let t3 of o2.before || []) if (null != (a = await t3(e2.proxy ?? e2, ...r2))) break e;
    t: for (let [o3, c2, l, i] of t2) if ((o3 == e2.method || "ALL" == o3) && (s = n.pathname.match(c2))) {
      e2.params = s.groups || {}, e2.route = i;
      for (let t3 of l) if (null != (a = await t3(e2.proxy ?? e2, ...r2))) break t;
    }
  } catch (t3) {
    if (!o2.catch) throw t3;
    a = await o2.catch(t3, e2.proxy ?? e2, ...r2);
  }
  try {
    for (let t3 of o2.finally || []) a = await t3(a, e2.proxy ?? e2, ...r2) ?? a;
  } catch (t3) {
    if (!o2.catch) throw t3;
    a = await o2.catch(t3, e2.proxy ?? e2, ...r2);
  }
  return a;
} }), "t");
var o = /* @__PURE__ */ __name((e = "text/plain; charset=utf-8", t2) => (o2, r2 = {}) => {
  if (void 0 === o2 || o2 instanceof Response) return o2;
  const a = new Response(t2?.(o2) ?? o2, r2.url ? void 0 : r2);
  return a.headers.set("content-type", e), a;
}, "o");
var r = o("application/json; charset=utf-8", JSON.stringify);
var p = o("text/plain; charset=utf-8", String);
var f = o("text/html");
var u = o("image/jpeg");
var h = o("image/png");
var g = o("image/webp");

// src/config.ts
var ConfigError = class extends Error {
  static {
    __name(this, "ConfigError");
  }
  name = "ConfigError";
};
var MIB = 1024 * 1024;
var cache = /* @__PURE__ */ new WeakMap();
function readConfig(env) {
  let config = cache.get(env);
  if (!config) {
    config = parseConfig(env);
    cache.set(env, config);
  }
  return config;
}
__name(readConfig, "readConfig");
function parseConfig(env) {
  return Object.freeze({
    upstreamBaseUrl: parseBaseUrl(text(env, "OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
    upstreamApiKey: text(env, "OPENAI_API_KEY"),
    proxyKeys: Object.freeze(list(text(env, "PROXY_KEYS"))),
    allowAnonymous: flag(env, "ALLOW_ANONYMOUS"),
    allowedOrigins: parseOrigins(text(env, "ALLOWED_ORIGINS")),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 25 * MIB),
    upstreamTimeoutMs: integer(env, "UPSTREAM_TIMEOUT_MS", 6e5),
    streamIdleTimeoutMs: integer(env, "STREAM_IDLE_TIMEOUT_MS", 12e4),
    playground: flag(env, "PLAYGROUND")
  });
}
__name(parseConfig, "parseConfig");
function text(env, name) {
  const value = env[name];
  if (value === void 0 || value === null) return void 0;
  if (typeof value !== "string") throw new ConfigError(`${name} must be a string.`);
  const trimmed = value.trim();
  return trimmed === "" ? void 0 : trimmed;
}
__name(text, "text");
function list(value) {
  return (value ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
}
__name(list, "list");
function flag(env, name) {
  const value = text(env, name)?.toLowerCase();
  if (value === void 0 || value === "false") return false;
  if (value === "true") return true;
  throw new ConfigError(`${name} must be "true" or "false".`);
}
__name(flag, "flag");
function integer(env, name, fallback) {
  const value = text(env, name);
  if (value === void 0) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new ConfigError(`${name} must be a non-negative integer, got "${value}".`);
  }
  return Number(value);
}
__name(integer, "integer");
function parseBaseUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      "OPENAI_BASE_URL must be an absolute http(s) URL such as https://api.openai.com/v1."
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new ConfigError("OPENAI_BASE_URL must use http or https.");
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError("OPENAI_BASE_URL must not contain credentials, a query or a fragment.");
  }
  return url.href.replace(/\/+$/, "");
}
__name(parseBaseUrl, "parseBaseUrl");
function parseOrigins(value) {
  const origins = list(value);
  if (origins.includes("*")) return "*";
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `ALLOWED_ORIGINS entries must look like https://app.example.com (no path), got "${origin}".`
      );
    }
  }
  return new Set(origins.map((origin) => origin.toLowerCase()));
}
__name(parseOrigins, "parseOrigins");

// src/cors.ts
var EXPOSED_HEADERS = [
  "x-request-id",
  "openai-processing-ms",
  "x-ratelimit-limit-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-requests",
  "x-ratelimit-reset-tokens",
  "retry-after",
  "retry-after-ms",
  "x-should-retry",
  "x-cache",
  "age"
].join(", ");
function allowedOrigin(origin, config) {
  if (origin === null) return void 0;
  if (config.allowedOrigins === "*") return "*";
  return config.allowedOrigins.has(origin.toLowerCase()) ? origin : void 0;
}
__name(allowedOrigin, "allowedOrigin");
function preflightResponse(request, methods, config) {
  const headers = new Headers({ vary: "Origin, Access-Control-Request-Headers" });
  const origin = allowedOrigin(request.headers.get("origin"), config);
  if (origin !== void 0) {
    headers.set("access-control-allow-origin", origin);
    headers.set("access-control-allow-methods", methods);
    const requested = request.headers.get("access-control-request-headers");
    if (requested) headers.set("access-control-allow-headers", requested);
    headers.set("access-control-max-age", "86400");
  }
  return new Response(null, { status: 204, headers });
}
__name(preflightResponse, "preflightResponse");
function withCors(response, request, config) {
  const origin = allowedOrigin(request.headers.get("origin"), config);
  if (origin === void 0) return response;
  const cors = new Response(response.body, response);
  cors.headers.set("access-control-allow-origin", origin);
  cors.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  cors.headers.append("vary", "Origin");
  return cors;
}
__name(withCors, "withCors");

// src/errors.ts
var ProxyError = class extends Error {
  static {
    __name(this, "ProxyError");
  }
  status;
  code;
  details;
  constructor(status, code, message, details = {}) {
    super(message);
    this.name = "ProxyError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
};
function errorTypeFor(status) {
  return status >= 500 ? "server_error" : "invalid_request_error";
}
__name(errorTypeFor, "errorTypeFor");
function errorBody(error) {
  return {
    error: {
      message: error.message,
      type: errorTypeFor(error.status),
      param: error.details.param ?? null,
      code: error.code
    }
  };
}
__name(errorBody, "errorBody");
function toProxyError(thrown) {
  if (thrown instanceof ProxyError) return thrown;
  if (thrown instanceof ConfigError) {
    return new ProxyError(500, "proxy_misconfigured", `Proxy misconfigured: ${thrown.message}`);
  }
  return new ProxyError(500, "internal_error", "The proxy failed to handle this request.");
}
__name(toProxyError, "toProxyError");
function errorResponse(thrown) {
  const error = toProxyError(thrown);
  const headers = new Headers(error.details.headers);
  headers.set("content-type", "application/json");
  return new Response(JSON.stringify(errorBody(error)), { status: error.status, headers });
}
__name(errorResponse, "errorResponse");

// src/auth.ts
var encoder = new TextEncoder();
var digestsByConfig = /* @__PURE__ */ new WeakMap();
async function sha256(value) {
  return crypto.subtle.digest("SHA-256", encoder.encode(value));
}
__name(sha256, "sha256");
function proxyKeyDigests(config) {
  let digests = digestsByConfig.get(config);
  if (!digests) {
    digests = Promise.all(config.proxyKeys.map(sha256));
    digestsByConfig.set(config, digests);
  }
  return digests;
}
__name(proxyKeyDigests, "proxyKeyDigests");
function bearerToken(authorization) {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  return match?.[1];
}
__name(bearerToken, "bearerToken");
function keyId(digest) {
  const hex = [...new Uint8Array(digest, 0, 8)].map((byte) => byte.toString(16).padStart(2, "0"));
  return `key_${hex.join("")}`;
}
__name(keyId, "keyId");
async function authenticate(authorization, config) {
  const token = bearerToken(authorization);
  if (config.proxyKeys.length === 0 && !config.allowAnonymous) {
    throw new ProxyError(
      401,
      "proxy_not_configured",
      'This proxy has no client keys configured. Set the PROXY_KEYS secret (comma-separated keys that clients send as "Authorization: Bearer <key>"), or set ALLOW_ANONYMOUS=true for local development.'
    );
  }
  if (token === void 0) {
    if (config.allowAnonymous && authorization === null) return { kind: "anonymous" };
    throw new ProxyError(
      401,
      "missing_api_key",
      `Missing client key. Send "Authorization: Bearer <proxy key>"; the key is one of this proxy's PROXY_KEYS, not a provider key.`
    );
  }
  const presented = await sha256(token);
  let matched;
  for (const digest of await proxyKeyDigests(config)) {
    if (crypto.subtle.timingSafeEqual(digest, presented)) matched = digest;
  }
  if (!matched) {
    throw new ProxyError(401, "invalid_api_key", "Incorrect client key provided for this proxy.");
  }
  return { kind: "key", id: keyId(matched) };
}
__name(authenticate, "authenticate");

// src/body.ts
function tooLarge(limit) {
  return new ProxyError(413, "request_too_large", `Request body is larger than the limit of ${limit} bytes.`);
}
__name(tooLarge, "tooLarge");
async function readBytes(request, limit) {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const chunks = [];
  let size = 0;
  const reader = request.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    size += next.value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(next.value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
__name(readBytes, "readBytes");
async function readJsonBody(request, limit) {
  const bytes = await readBytes(request, limit);
  if (bytes.byteLength === 0) {
    throw new ProxyError(400, "invalid_json", "Request body is empty; send a JSON object.");
  }
  let json;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw new ProxyError(400, "invalid_json", "Request body is not valid UTF-8 JSON.");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ProxyError(400, "invalid_json", "Request body must be a JSON object.");
  }
  return { bytes, json };
}
__name(readJsonBody, "readJsonBody");

// src/headers.ts
var REQUEST_HEADERS = ["content-type", "accept", "openai-beta"];
var RESPONSE_HEADERS = /* @__PURE__ */ new Set([
  "content-type",
  "cache-control",
  "x-request-id",
  "openai-processing-ms",
  "openai-version",
  "retry-after",
  "retry-after-ms",
  "x-should-retry"
]);
var RESPONSE_HEADER_PREFIXES = ["x-ratelimit-"];
function upstreamRequestHeaders(client, apiKey) {
  const headers = new Headers();
  for (const name of REQUEST_HEADERS) {
    const value = client.get(name);
    if (value !== null) headers.set(name, value);
  }
  if (apiKey !== void 0) headers.set("authorization", `Bearer ${apiKey}`);
  return headers;
}
__name(upstreamRequestHeaders, "upstreamRequestHeaders");
function isForwardedResponseHeader(name) {
  const lower = name.toLowerCase();
  return RESPONSE_HEADERS.has(lower) || RESPONSE_HEADER_PREFIXES.some((prefix) => lower.startsWith(prefix));
}
__name(isForwardedResponseHeader, "isForwardedResponseHeader");
function clientResponseHeaders(upstream) {
  const headers = new Headers();
  for (const [name, value] of upstream) {
    if (isForwardedResponseHeader(name)) headers.set(name, value);
  }
  return headers;
}
__name(clientResponseHeaders, "clientResponseHeaders");

// src/redact.ts
var KEY_SHAPED = /\bsk-[A-Za-z0-9_*.\-]{6,}/g;
function redactSecret(text2, secret) {
  const withoutSecret = secret ? text2.split(secret).join("[redacted]") : text2;
  return withoutSecret.replace(KEY_SHAPED, "[redacted]");
}
__name(redactSecret, "redactSecret");

// src/watchdog.ts
var READ_BYTES = 64 * 1024;
async function watchStream(copy, options) {
  const reader = largeReader(copy);
  const chunks = [];
  const state = {
    relay: "running",
    wake: /* @__PURE__ */ __name(() => void 0, "wake")
  };
  void options.relayEnded.then((result) => {
    state.relay = result;
    state.wake();
    if (result === "failed") void reader.cancel().catch(() => void 0);
  });
  try {
    for (; ; ) {
      if (state.relay === "failed") break;
      const next = await readOrTimeout(reader, state.relay === "running" ? options.idleTimeoutMs : 0);
      if (isFailed(state.relay)) break;
      if (next === "idle") {
        options.onIdle();
        break;
      }
      if (next.done) return { kind: "complete", chunks };
      chunks.push(next.value);
      if (state.relay === "running") {
        await new Promise((resolve) => {
          state.wake = resolve;
          setTimeout(resolve, options.idleTimeoutMs / 4);
        });
      }
    }
  } catch {
    return { kind: "failed" };
  }
  await reader.cancel().catch(() => void 0);
  return state.relay === "failed" ? { kind: "failed" } : { kind: "idle" };
}
__name(watchStream, "watchStream");
function isFailed(relay) {
  return relay === "failed";
}
__name(isFailed, "isFailed");
function largeReader(stream) {
  try {
    const byob = stream.getReader({ mode: "byob" });
    return {
      read: /* @__PURE__ */ __name(() => byob.readAtLeast(1, new Uint8Array(READ_BYTES)), "read"),
      cancel: /* @__PURE__ */ __name(() => byob.cancel(), "cancel")
    };
  } catch {
    return stream.getReader();
  }
}
__name(largeReader, "largeReader");
async function readOrTimeout(reader, timeoutMs) {
  if (timeoutMs <= 0) return reader.read();
  let timer;
  const idle = new Promise((resolve) => {
    timer = setTimeout(() => resolve("idle"), timeoutMs);
  });
  try {
    return await Promise.race([reader.read(), idle]);
  } finally {
    clearTimeout(timer);
  }
}
__name(readOrTimeout, "readOrTimeout");

// src/relay.ts
function relayEventStream(upstream, options) {
  const { readable, writable } = new IdentityTransformStream();
  const idle = new AbortController();
  const [toClient, copy] = options.idleTimeoutMs > 0 ? upstream.tee() : [upstream, void 0];
  const relayEnded = toClient.pipeTo(writable, { signal: idle.signal }).then(
    () => "ok",
    () => "failed"
  );
  const outcome = copy ? watchStream(copy, {
    idleTimeoutMs: options.idleTimeoutMs,
    relayEnded,
    onIdle: /* @__PURE__ */ __name(() => idle.abort(), "onIdle")
  }) : relayEnded.then(() => void 0);
  return { body: readable, outcome };
}
__name(relayEventStream, "relayEventStream");

// src/respond.ts
function isEventStream(headers) {
  return headers.get("content-type")?.toLowerCase().startsWith("text/event-stream") ?? false;
}
__name(isEventStream, "isEventStream");
async function upstreamError(upstream, config) {
  const headers = clientResponseHeaders(upstream.headers);
  const text2 = redactSecret(await upstream.text(), config.upstreamApiKey);
  if (isOpenAiError(text2)) return new Response(text2, { status: upstream.status, headers });
  headers.set("content-type", "application/json");
  const message = `The upstream answered ${upstream.status} without an OpenAI error body: ${text2.slice(0, 200)}`;
  const error = {
    message,
    type: upstream.status >= 500 ? "server_error" : "invalid_request_error",
    param: null,
    code: "upstream_error"
  };
  return new Response(JSON.stringify({ error }), { status: upstream.status, headers });
}
__name(upstreamError, "upstreamError");
function isOpenAiError(text2) {
  try {
    const parsed = JSON.parse(text2);
    return typeof parsed === "object" && parsed !== null && "error" in parsed;
  } catch {
    return false;
  }
}
__name(isOpenAiError, "isOpenAiError");
async function clientResponse(upstream, config) {
  if (upstream.status >= 400) return upstreamError(upstream, config);
  const headers = clientResponseHeaders(upstream.headers);
  const init = { status: upstream.status, headers };
  if (!upstream.body || !isEventStream(upstream.headers)) return new Response(upstream.body, init);
  const relay = relayEventStream(upstream.body, { idleTimeoutMs: config.streamIdleTimeoutMs });
  return new Response(relay.body, init);
}
__name(clientResponse, "clientResponse");

// src/routes.ts
var ROUTES = [
  { name: "chat.completions", pattern: "/v1/chat/completions", method: "POST" },
  { name: "completions", pattern: "/v1/completions", method: "POST" },
  { name: "responses", pattern: "/v1/responses", method: "POST" },
  { name: "embeddings", pattern: "/v1/embeddings", method: "POST" },
  { name: "models.list", pattern: "/v1/models", method: "GET" },
  { name: "models.retrieve", pattern: "/v1/models/:id", method: "GET" }
];
var MODEL_ID = /^(?!\.{1,2}$)[A-Za-z0-9._:@+-]{1,256}$/;
function upstreamPath(route, params) {
  if (route.name !== "models.retrieve") return route.pattern.slice("/v1".length);
  const id = params["id"];
  return id !== void 0 && MODEL_ID.test(id) ? `/models/${id}` : void 0;
}
__name(upstreamPath, "upstreamPath");

// src/upstream.ts
async function fetchUpstream(call) {
  const controller = new AbortController();
  const timer = call.timeoutMs > 0 ? setTimeout(() => controller.abort(), call.timeoutMs) : 0;
  try {
    return await fetch(call.url, {
      method: call.method,
      headers: call.headers,
      body: call.body ?? null,
      signal: controller.signal
    });
  } catch {
    if (controller.signal.aborted) {
      throw new ProxyError(
        504,
        "upstream_timeout",
        `The upstream did not answer within ${call.timeoutMs} ms (UPSTREAM_TIMEOUT_MS).`
      );
    }
    throw new ProxyError(502, "upstream_unreachable", "The proxy could not reach the upstream API.");
  } finally {
    clearTimeout(timer);
  }
}
__name(fetchUpstream, "fetchUpstream");

// src/proxy.ts
function proxyHandler(route) {
  return /* @__PURE__ */ __name(async function proxy(request, env) {
    const config = readConfig(env);
    await authenticate(request.headers.get("authorization"), config);
    const path = upstreamPath(route, request.params);
    if (path === void 0) {
      throw new ProxyError(
        404,
        "unknown_url",
        `Invalid URL (${request.method} ${new URL(request.url).pathname}).`
      );
    }
    const body = route.method === "POST" ? await readJsonBody(request, config.maxBodyBytes) : void 0;
    const upstream = await fetchUpstream({
      url: config.upstreamBaseUrl + path,
      method: route.method,
      headers: upstreamRequestHeaders(request.headers, config.upstreamApiKey),
      body: body?.bytes,
      timeoutMs: config.upstreamTimeoutMs
    });
    return clientResponse(upstream, config);
  }, "proxy");
}
__name(proxyHandler, "proxyHandler");

// src/index.ts
function notFound(request) {
  const path = new URL(request.url).pathname;
  throw new ProxyError(404, "unknown_url", `Invalid URL (${request.method} ${path}).`);
}
__name(notFound, "notFound");
function preflight(request, env) {
  if (request.method !== "OPTIONS") return void 0;
  const path = new URL(request.url).pathname;
  const methods = ROUTES.filter((route) => routeMatches(route.pattern, path)).map((r2) => r2.method);
  if (methods.length === 0) return notFound(request);
  return preflightResponse(request, [...methods, "OPTIONS"].join(", "), readConfig(env));
}
__name(preflight, "preflight");
function routeMatches(pattern, path) {
  return new RegExp(`^${pattern.replace(/:\w+/g, "[^/]+")}/*$`).test(path);
}
__name(routeMatches, "routeMatches");
var router = t({
  before: [preflight],
  catch: /* @__PURE__ */ __name((error) => errorResponse(error), "catch"),
  finally: [
    (response, request, env) => withCors(response, request, readConfig(env))
  ]
});
router.get("/healthz", () => new Response("ok\n", { headers: { "content-type": "text/plain" } }));
for (const route of ROUTES) {
  const methodNotAllowed = /* @__PURE__ */ __name((request) => {
    throw new ProxyError(
      405,
      "method_not_allowed",
      `${request.method} is not allowed on ${route.pattern}; use ${route.method}.`,
      { headers: { allow: `${route.method}, OPTIONS` } }
    );
  }, "methodNotAllowed");
  router[route.method === "GET" ? "get" : "post"](route.pattern, proxyHandler(route));
  router.all(route.pattern, methodNotAllowed);
}
router.all("*", notFound);
var index_default = {
  fetch: /* @__PURE__ */ __name((request, env, ctx) => router.fetch(request, env, ctx), "fetch")
};
export {
  index_default as default
};
//# sourceMappingURL=index.js.map
