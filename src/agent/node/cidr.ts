/**
 * IPv4 CIDR arithmetic for pod networks: carving a node's block out of the cluster CIDR and
 * numbering the addresses inside it. IPv4 only, as the cluster defaults are.
 */

/** A parsed IPv4 CIDR: the network address as an unsigned 32-bit number and the prefix length. */
export interface CIDR {
  base: number;
  bits: number;
}

/** Dotted quad to number; throws on anything that is not an IPv4 address. */
export function parseIP(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new Error(`invalid IPv4 address "${ip}"`);
  let n = 0;
  for (const p of parts) {
    const v = Number(p);
    if (!/^\d{1,3}$/.test(p) || v > 255) throw new Error(`invalid IPv4 address "${ip}"`);
    n = n * 256 + v;
  }
  return n;
}

/** Number to dotted quad. */
export function formatIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Parses "10.42.0.0/16"; the address is masked to the network. */
export function parseCIDR(cidr: string): CIDR {
  const [ip, len] = cidr.split('/');
  const bits = Number(len);
  if (len === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32)
    throw new Error(`invalid CIDR "${cidr}"`);
  const size = 2 ** (32 - bits);
  return { base: Math.floor(parseIP(ip) / size) * size, bits };
}

export function formatCIDR(c: CIDR): string {
  return `${formatIP(c.base)}/${c.bits}`;
}

/** Addresses in the block, network and broadcast included. */
export function cidrSize(c: CIDR): number {
  return 2 ** (32 - c.bits);
}

/** The index-th block of prefix length `bits` inside `range` (10.42.0.0/16, 24, 3 → 10.42.3.0/24). */
export function subnet(range: CIDR, bits: number, index: number): CIDR {
  if (bits < range.bits) throw new Error(`a /${bits} does not fit in ${formatCIDR(range)}`);
  const count = 2 ** (bits - range.bits);
  if (index < 0 || index >= count)
    throw new Error(`${formatCIDR(range)} holds only ${count} /${bits} blocks`);
  return { base: range.base + index * 2 ** (32 - bits), bits };
}

/**
 * The longest prefix (smallest blocks) no longer than `preferred`, such that `count` blocks fit
 * in `range`. E.g. 256 nodes in a /16 get /24s; 1,000 get /26s.
 */
export function blockBitsFor(range: CIDR, count: number, preferred: number): number {
  const needed = range.bits + Math.ceil(Math.log2(Math.max(1, count)));
  if (needed > 30) throw new Error(`${formatCIDR(range)} cannot hold ${count} node pod ranges`);
  return Math.max(preferred, needed);
}
