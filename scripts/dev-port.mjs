// @ts-check
// The port `npm run dev` serves on. A port the user asked for (--port, PORT) is that port or a
// clear refusal: moving elsewhere would leave their URLs and CORS origins pointing at whatever
// holds it. The default, 8787, moves to the next free port, and says so.
import net from 'node:net';

export const DEFAULT_PORT = 8787;

/** @param {string} host @param {number} port @returns {Promise<boolean>} */
export function isFree(host, port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * @param {string} host
 * @param {{ port: number, source: string | undefined }} wanted source: how the user asked, if they did
 * @returns {Promise<number>}
 */
export async function choosePort(host, { port, source }) {
  if (await isFree(host, port)) return port;
  if (source !== undefined) {
    throw new Error(
      `port ${port} (${source}) is already in use on ${host}, perhaps by another npm run dev; stop that, or choose another port with --port N.`,
    );
  }
  for (let next = port + 1; next < port + 20; next += 1) {
    if (await isFree(host, next)) {
      console.warn(
        `dev: port ${port} is in use on ${host}; using ${next} instead (choose one with --port N).`,
      );
      return next;
    }
  }
  throw new Error(`ports ${port}-${port + 19} are all in use on ${host}; choose another with --port N.`);
}

/**
 * A free port for a dev server that a script or test starts, chosen below every OS's ephemeral
 * range (Linux 32768+, macOS and Windows 49152+). `listen(0)` would hand out a port from that range,
 * and between our check and wrangler's bind any outgoing connection or other `listen(0)` on the
 * machine may take it: a parallel test run did, and wrangler refused "Address already in use".
 * @param {string} host
 * @returns {Promise<number>}
 */
export async function freePort(host = '127.0.0.1') {
  for (let tries = 0; tries < 100; tries += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await isFree(host, port)) return port;
  }
  throw new Error(`no free port between 20000 and 32000 on ${host}`);
}
