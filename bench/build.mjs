// @ts-check
// Builds the Worker exactly as `wrangler deploy` would, and measures what would be uploaded.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';

const BUILD_TIMEOUT_MS = 90_000;

/**
 * Runs `wrangler deploy --dry-run --outdir <outdir>`; rejects with its output if it fails.
 * @param {string} outdir @param {AbortSignal} signal @param {string[]} [extraArgs] e.g. `--minify false`
 */
export async function buildWorker(outdir, signal, extraArgs = []) {
  const stop = AbortSignal.any([signal, AbortSignal.timeout(BUILD_TIMEOUT_MS)]);
  await new Promise((resolve, reject) => {
    const child = spawn('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir, ...extraArgs], {
      // No telemetry: the run must stay on loopback.
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npx and wrangler each start a child, and all of them must go.
      detached: true,
    });
    const kill = () => {
      if (child.pid === undefined || child.exitCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // The group is already gone.
      }
    };
    // Detached children miss the terminal's Ctrl-C, so pass it on before exiting.
    /** @param {NodeJS.Signals} name */
    const onSignal = (name) => {
      kill();
      process.exit(name === 'SIGINT' ? 130 : 143);
    };
    stop.addEventListener('abort', kill, { once: true });
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    child.on('close', () => {
      stop.removeEventListener('abort', kill);
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', (error) => reject(new Error(`wrangler build failed: ${error.message}\n${output}`)));
    child.on('close', (code) =>
      code === 0 ? resolve(undefined) : reject(new Error(`wrangler exited with ${code}:\n${output}`)),
    );
  });
}

/** Raw and gzipped size of the bundle; the gzipped size is what Workers' size limit counts. */
/** @param {string} path */
export function bundleSize(path) {
  const bytes = fs.readFileSync(path);
  return { raw: bytes.length, gzip: zlib.gzipSync(bytes).length };
}
