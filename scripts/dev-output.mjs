// @ts-check
// Passes `wrangler dev` output through, minus what workerd prints for failures the proxy has
// already handled. A POST whose upstream cannot be reached (DNS, refused connection) makes
// workerd log the failure with native stack dumps and an "Uncaught Error: internal error" from
// its own request-body task, even though the Worker caught the error and answered 502: it
// happens with a five-line Worker too. One readable line replaces each burst.
import readline from 'node:readline';

/** How long after a connection failure its echoes (stack dumps, "internal error") still belong to it. */
const ECHO_MS = 2000;
/** How often the same failure is reported again. */
const REPEAT_MS = 30_000;

/** @param {string} line */
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');

/**
 * @param {NodeJS.ReadableStream} from
 * @param {NodeJS.WritableStream} to
 */
export function filterRuntimeNoise(from, to) {
  let lastFailure = 0;
  /** @type {Map<string, number>} */
  const reported = new Map();
  readline.createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    const text = plain(line);
    const failure =
      /DNS lookup failed.*params\.host = ([^;\s]+)/.exec(text)?.[1] ??
      (/connect\(\): Connection refused/.test(text) ? 'a refused connection' : undefined);
    const now = Date.now();
    if (failure !== undefined) {
      lastFailure = now;
      if (now - (reported.get(failure) ?? 0) > REPEAT_MS) {
        reported.set(failure, now);
        const what = failure === 'a refused connection' ? failure : `a DNS lookup of ${failure}`;
        to.write(`dev: the upstream could not be reached (${what}); clients get 502 upstream_unreachable.\n`);
      }
      return;
    }
    const echo =
      /^\s*stack: .*workerd@/.test(text) ||
      /Uncaught Error: internal error; reference = /.test(text) ||
      (text.trim() === '' && now - lastFailure < ECHO_MS);
    if (echo && now - lastFailure < ECHO_MS) return;
    to.write(`${line}\n`);
  });
}
