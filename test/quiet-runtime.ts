// Known-harmless lines that the runtime (workerd, and wrangler's dev server around it) prints
// while the test suites pass. Each pattern says why it is noise; anything else still shows.

const HARMLESS: readonly { readonly pattern: RegExp; readonly why: string }[] = [
  {
    pattern: /WebSocket peer disconnected/,
    why: 'the test pool closes its socket to workerd at the end of every test file',
  },
  {
    pattern: /Network connection lost|connect\(\): Connection refused|DNS lookup failed/,
    why: 'workerd logs a failed upstream connection from its own request-body task even when the Worker caught the error and answered 502 (a five-line Worker does the same)',
  },
  {
    pattern: /^\s*stack: .*workerd@/,
    why: 'the native stack dump that follows each of the lines above',
  },
  {
    pattern: /Uncaught exception: .*AbortError\): The operation was aborted/,
    why: "wrangler's dev proxy reports a client that disconnected mid-stream, which the tests do on purpose; plain workerd does not",
  },
  {
    pattern: /disconnected: stream disconnected prematurely/,
    why: 'workerd notes a client that hung up mid-stream, which the abort tests do on purpose',
  },
  {
    pattern: /Could not resolve ".*\.wrangler\/tmp\/bundle-[^"]*middleware-loader\.entry\.ts"/,
    why: "wrangler's dev server, disposed at the end of a test file, removes its bundle folder while a last rebuild still starts",
  },
  {
    pattern: /\[wrangler:info\] QUEUE /,
    why: "wrangler's dev server reports every queue batch it delivers, at info level, whatever logLevel says",
  },
  {
    pattern: /Uncaught Error: internal error; reference = /,
    why: "workerd's echo of a failed upstream connection, see above",
  },
];

export function isRuntimeNoise(line: string): boolean {
  const text = line.replace(/\x1b\[[0-9;]*m/g, '');
  return HARMLESS.some(({ pattern }) => pattern.test(text));
}

/**
 * The Workers test pool writes workerd's log lines straight to this process's stdout and stderr
 * (its log handler is not configurable), so the noise is taken out there. Returns the undo.
 */
export function quietProcessOutput(): () => void {
  const restore = [process.stdout, process.stderr].map((stream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      if (typeof chunk === 'string') {
        const kept = chunk.split('\n').filter((line) => !isRuntimeNoise(line));
        if (kept.every((line) => line === '')) return true;
        chunk = kept.join('\n');
      }
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  });
  return () => restore.forEach((undo) => undo());
}
