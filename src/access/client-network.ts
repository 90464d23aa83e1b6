// Who an anonymous caller is: its address, with IPv6 callers grouped by the /64 they hold.

/**
 * The unit an anonymous quota belongs to: an IPv4 address, or an IPv6 /64, because one client
 * (one home or one VM) is routinely given a whole /64 and could otherwise rotate through it.
 */
export function clientNetwork(ip: string | null): string {
  if (ip === null || !ip.includes(':')) return ip ?? 'unknown';
  if (ip.includes('.')) return ip.slice(ip.lastIndexOf(':') + 1); // IPv4-mapped: the IPv4 address.
  const [head = '', tail = ''] = ip.toLowerCase().split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  const prefix = groups.slice(0, 4).map((group) => (Number.parseInt(group, 16) || 0).toString(16));
  return `${prefix.join(':')}::/64`;
}
