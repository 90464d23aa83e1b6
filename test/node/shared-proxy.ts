// The Worker the global setup started, and what its mock upstream received, by request tag.
import { inject } from 'vitest';
import type { RecordedRequestJson } from '../mock-upstream/server.mjs';

export const shared = inject('sharedProxy');

/** Requests the shared mock received with this tag (the body's `user` or `x_mock.tag`). */
export async function upstreamRequests(tag: string): Promise<RecordedRequestJson[]> {
  const origin = new URL(shared.mockUrl).origin;
  const response = await fetch(`${origin}/__mock/requests?tag=${encodeURIComponent(tag)}`);
  return (await response.json()) as RecordedRequestJson[];
}
