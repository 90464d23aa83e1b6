// @ts-check
// Control endpoints under /__mock/, so tests in another process (e.g. inside workerd)
// can inspect the mock and drive `gated` streams over plain HTTP. No auth, never logged.
// Also serves the images whose URLs the dall-e answers hand out.

import { solidPng } from './png.mjs';

/** @typedef {import('./server.d.mts').RecordedRequest} RecordedRequest */
/** @typedef {ReturnType<typeof import('./scenarios.mjs').createGates>} Gates */

/** A record as JSON: the raw bytes travel as base64 (a Buffer would become an array of numbers). @param {RecordedRequest} r */
const asJson = ({ bodyBytes, ...rest }) => ({ ...rest, bodyBase64: bodyBytes.toString('base64') });

/**
 * @param {RecordedRequest[]} requests @param {Gates} gates
 * @returns {(method: string, url: URL, res: import('node:http').ServerResponse) => void}
 */
export function createControl(requests, gates) {
  return (method, url, res) => {
    const tag = url.searchParams.get('tag');
    /** @param {number} status @param {unknown} obj */
    const reply = (status, obj) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(obj));
    };
    if (url.pathname === '/__mock/requests' && method === 'GET')
      return reply(200, (tag === null ? requests : requests.filter((r) => r.tag === tag)).map(asJson));
    if (url.pathname === '/__mock/requests' && method === 'DELETE') {
      const cleared = requests.length;
      requests.length = 0; // in place: callers hold the live array
      gates.clearBanked(); // a stale banked release would let a later gated test skip its gate
      return reply(200, { cleared });
    }
    if (url.pathname === '/__mock/release' && method === 'POST') {
      const released = gates.release(tag ?? '');
      return reply(released ? 200 : 404, { released });
    }
    const image = url.pathname.match(/^\/__mock\/images\/img-([0-9a-f]{6})\.png$/);
    if (image && method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return void res.end(solidPng(parseInt(image[1] ?? '0', 16)));
    }
    return reply(404, { error: `unknown mock control endpoint ${method} ${url.pathname}` });
  };
}
