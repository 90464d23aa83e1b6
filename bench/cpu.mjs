// @ts-check
// Worker CPU time, read from /proc: utime + stime of every `workerd` process descended from this
// one. /proc is the only view that includes the runtime's own work (HTTP parsing, native stream
// pumps), which is where a pass-through Worker spends most of its CPU.
import fs from 'node:fs';

/** /proc reports times in USER_HZ, which Linux fixes at 100 per second: one tick is 10 ms. */
export const TICK_MS = 10;

/** @param {number} pid @returns {{ ppid: number, ticks: number } | undefined} */
function readStat(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
  // The command name is in parentheses and may contain spaces; the fields after it are fixed.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is stat's 3rd field (state): ppid is the 4th, utime the 14th, stime the 15th.
  return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** @param {number} pid */
function commOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Every workerd process below `root` (Miniflare spawns it directly, but wrappers are tolerated). */
export function workerdPids(root = process.pid) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    const siblings = children.get(stat.ppid) ?? [];
    siblings.push(Number(name));
    children.set(stat.ppid, siblings);
  }
  /** @type {number[]} */
  const found = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    for (const child of children.get(pid) ?? []) {
      if (commOf(child) === 'workerd') found.push(child);
      queue.push(child);
    }
  }
  return found;
}

/** @param {readonly number[]} pids */
function totalTicks(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = readStat(pid);
    if (!stat) throw new Error(`workerd process ${pid} exited during a CPU measurement`);
    ticks += stat.ticks;
  }
  return ticks;
}

/**
 * Starts measuring `pids` (by default every workerd process alive now); `stop()` returns the CPU
 * they used since.
 * @param {readonly number[]} [pids]
 * @returns {{ stop(): { ms: number, ticks: number } }}
 */
export function startCpuMeter(pids = workerdPids()) {
  if (pids.length === 0) throw new Error('no workerd process found below this one');
  const before = totalTicks(pids);
  return {
    stop() {
      const ticks = totalTicks(pids) - before;
      return { ms: ticks * TICK_MS, ticks };
    },
  };
}
