// @ts-check
// Passes `wrangler dev` output through, minus what would mislead or bury the useful lines, and
// says when the Worker is ready (again). Left out:
// - workerd's bursts for failures the proxy has already handled. A POST whose upstream cannot be
//   reached (DNS, refused connection) makes workerd log native stack dumps and an "Uncaught
//   Error: internal error" from its own request-body task, even though the Worker caught the
//   error and answered 502: it happens with a five-line Worker too. One readable line replaces it.
// - workerd's fatal stack for a port in use: wrangler says the same in one line right after.
// - the request log lines of the checks dev makes itself (expectEcho), so a misconfigured
//   Worker does not fill the log with `GET /healthz 503`.
// - wrangler's "Uncaught exception … AbortError" for a stream that ended early (its client left,
//   or the proxy ended it for silence or length): one line that says so replaces it.
// - "Your types might be out of date" while a .dev.vars exists: wrangler counts its names into
//   the types, but worker-configuration.d.ts is generated from wrangler.toml alone and
//   committed; `npm run typecheck` still catches types that lag behind wrangler.toml.
import { EventEmitter } from 'node:events';
import readline from 'node:readline';

/** How long after a connection failure its echoes (stack dumps, "internal error") still belong to it. */
const ECHO_MS = 2000;
/** How often the same failure is reported again. */
const REPEAT_MS = 30_000;
/** How long an expected echo of dev's own request is waited for. */
const EXPECT_MS = 5000;

/** @param {string} line */
const plain = (line) => line.replace(/\x1b\[[0-9;]*m/g, '');

/** Emits `ready` with the Worker's origin each time wrangler has (re)started it. */
export class WranglerOutput extends EventEmitter {
  #lastFailure = 0;
  #lastReported = 0;
  /** @type {{ pattern: RegExp, until: number }[]} */
  #expected = [];
  #origin = '';
  #localVars;

  /**
   * @param {{ stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream }} child
   * @param {{ localVars: boolean }} options localVars: a .dev.vars exists
   */
  constructor(child, { localVars }) {
    super();
    this.#localVars = localVars;
    for (const [from, to] of /** @type {const} */ ([
      [child.stdout, process.stdout],
      [child.stderr, process.stderr],
    ])) {
      readline.createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
        if (this.#keep(plain(line))) to.write(`${line}\n`);
      });
    }
  }

  /** Leaves out the next line that matches `pattern`: the log of a request dev makes itself. */
  expectEcho(/** @type {RegExp} */ pattern) {
    // One at a time per pattern: a request that never arrived (not listening yet) logs nothing.
    this.#expected = this.#expected.filter((echo) => echo.pattern.source !== pattern.source);
    this.#expected.push({ pattern, until: Date.now() + EXPECT_MS });
  }

  /** @param {string} text @returns {boolean} */
  #keep(text) {
    const now = Date.now();
    const ready = /Ready on (https?:\/\/\S+)/.exec(text)?.[1];
    if (ready !== undefined) this.#origin = ready;
    if (ready !== undefined || /Local server updated and ready/.test(text)) {
      setImmediate(() => this.emit('ready', this.#origin));
    }
    this.#expected = this.#expected.filter((echo) => echo.until > now);
    const echo = this.#expected.findIndex(({ pattern }) => pattern.test(text));
    if (echo !== -1) {
      this.#expected.splice(echo, 1);
      return false;
    }
    if (this.#localVars && /Your types might be out of date/.test(text)) return false;
    // A stream that ended early (its client left, or the proxy ended it for silence or length)
    // is reported by wrangler's dev proxy as an uncaught exception; the request's log line says
    // what happened.
    if (/Uncaught exception: .*AbortError.*The operation was aborted/.test(text)) {
      process.stderr.write("dev: a stream ended early; its log line's stream_end says why.\n");
      return false;
    }
    if (/Fatal uncaught kj::Exception: .*Address already in use/.test(text)) {
      this.#lastFailure = now;
      return false;
    }
    return this.#keepFailure(text, now);
  }

  /** @param {string} text @param {number} now */
  #keepFailure(text, now) {
    // workerd names a failed DNS lookup and (in some builds) a refused connection; the Worker's own
    // log line names the upstream it could not reach, whatever workerd printed.
    const unreachable = /"error_code":"upstream_unreachable"/.test(text)
      ? /"upstream":"([^"]{1,200})"/.exec(text)?.[1]
      : undefined;
    const failure =
      /DNS lookup failed.*params\.host = ([^;\s]+)/.exec(text)?.[1] ??
      (/connect\(\): Connection refused/.test(text) ? 'a refused connection' : undefined) ??
      (unreachable === undefined ? undefined : `upstream ${unreachable}`);
    if (failure !== undefined) {
      this.#lastFailure = now;
      // One line per failure, however many ways workerd and the Worker tell of it.
      if (now - this.#lastReported > REPEAT_MS) {
        this.#lastReported = now;
        const what =
          failure === 'a refused connection' || failure.startsWith('upstream ')
            ? failure
            : `a DNS lookup of ${failure}`;
        process.stderr.write(
          `dev: the upstream could not be reached (${what}); clients get 502 upstream_unreachable.\n`,
        );
      }
      // The request's own log line is still useful; workerd's dumps are not.
      return unreachable !== undefined;
    }
    const echo =
      /^\s*stack: .*workerd@/.test(text) ||
      /Uncaught Error: internal error; reference = /.test(text) ||
      text.trim() === '';
    return !(echo && now - this.#lastFailure < ECHO_MS);
  }
}
