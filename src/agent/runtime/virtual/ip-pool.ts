/**
 * Pod IPs for one node's pod CIDR, as the CNI host-local IPAM plugin hands them out: the first
 * address is the network, the second the bridge gateway, the last the broadcast; pods get the
 * rest, handed out round-robin so a just-freed address is not reused at once.
 */
import { cidrSize, formatIP, parseCIDR } from '../../node/cidr.js';

export class IPPool {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 2;

  constructor(private readonly cidr: string) {
    const c = parseCIDR(cidr);
    this.base = c.base;
    this.size = cidrSize(c);
  }

  /** Takes a free address; throws, in host-local's words, when the range is exhausted. */
  allocate(): string {
    const usable = this.size - 3;
    if (this.used.size >= usable) {
      throw new Error(`failed to allocate for range 0: no IP addresses available in range set: ${this.cidr}`);
    }
    for (;;) {
      const offset = this.next;
      this.next = this.next + 1 >= this.size - 1 ? 2 : this.next + 1;
      if (!this.used.has(offset)) {
        this.used.add(offset);
        return formatIP(this.base + offset);
      }
    }
  }

  release(ip: string): void {
    const [a, b, c, d] = ip.split('.').map(Number);
    const n = ((a * 256 + b) * 256 + c) * 256 + d;
    this.used.delete(n - this.base);
  }

  get inUse(): number {
    return this.used.size;
  }
}
