// A JSON answer built by the proxy itself (errors, listings, admin API): one place sets the type.

export function jsonResponse(body: unknown, init: { status: number; headers?: HeadersInit }): Response {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'application/json');
  return new Response(JSON.stringify(body), { status: init.status, headers });
}
