// What one attempt sends to one upstream: the URL and the headers for its kind. Each upstream
// gets only its own key: OpenAI-compatible APIs as a bearer token, Azure in `api-key`.
import type { Target, Upstream } from '../config/upstreams';
import { upstreamRequestHeaders } from '../http/headers';

/**
 * The URL for `path` (the route's part after `/v1`, e.g. `/chat/completions`). Azure addresses
 * a deployment instead: `/openai/deployments/{deployment}{path}?api-version=…`.
 */
export function upstreamUrl(target: Target, path: string): string {
  const { upstream } = target;
  if (upstream.kind === 'openai') return upstream.baseUrl + path;
  const deployment = Object.hasOwn(upstream.deployments, target.model)
    ? upstream.deployments[target.model]!
    : target.model;
  const version = encodeURIComponent(upstream.apiVersion ?? '');
  const [route = '', query] = path.split('?', 2);
  const rest = query ? `&${query}` : '';
  return `${upstream.baseUrl}/openai/deployments/${encodeURIComponent(deployment)}${route}?api-version=${version}${rest}`;
}

/** `contentType`: the body's, as it goes up (a form keeps its boundary); absent: no body. */
export function headersFor(upstream: Upstream, client: Headers, contentType: string | undefined): Headers {
  const key = upstream.apiKey;
  const auth: [string, string] | undefined =
    key === undefined
      ? undefined
      : upstream.kind === 'azure'
        ? ['api-key', key]
        : ['authorization', `Bearer ${key}`];
  return upstreamRequestHeaders(client, { auth, extra: upstream.headers, contentType });
}
