// @ts-check
// What one mock remembers between requests: its options, the requests it saw, gate releases,
// the model catalogue, and the stored responses and conversations of the stateful APIs.

import { createCatalogue } from './catalogue.mjs';
import { createGates } from './scenarios.mjs';

/** @typedef {import('./server.d.mts').MockUpstreamOptions} MockUpstreamOptions */
/** @typedef {import('./server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {import('./response-store.mjs').StoredResponse} StoredResponse */
/** @typedef {import('./conversations.mjs').Conversation} Conversation */

/** @param {MockUpstreamOptions} options @param {AbortSignal} shutdown */
export function createState(options, shutdown) {
  return {
    /** The name `x_mock.failOn` refers to. */
    name: options.name ?? 'mock',
    wordDelayMs: options.wordDelayMs ?? 0,
    /** @type {RecordedRequest[]} */
    requests: [],
    gates: createGates(),
    shutdown,
    catalogue: createCatalogue(options),
    /** @type {Map<string, StoredResponse>} */
    responses: new Map(),
    /** @type {Map<string, Conversation>} */
    conversations: new Map(),
  };
}

/** @typedef {ReturnType<typeof createState>} MockState */
