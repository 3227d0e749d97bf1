/**
 * The host uids jails run as. The kernel keeps some counters per host uid (pipe buffers, unix
 * descriptors in flight, epoll watches) and others per user namespace owner up to the host's
 * (inotify instances and watches, POSIX message queue bytes, pending signals, processes): a run
 * that fills one must not leave another run, or the host, without. So every jail runs as a host
 * uid no other live jail has, and nsjail itself runs as that uid (keeping only the capabilities
 * it needs to build the jail, see nsjail-args.ts), which makes it the owner of the jail's user
 * namespace instead of root.
 *
 * The range [base, base + count): pool slot i's jails run as base + i (one after the other, never
 * two with user code at once), a fork server's zygote of slot i as base + poolSize + i (its runs as
 * the slot's uid), and a jail started on demand leases one of the rest for its life. (With lean
 * fork servers, each is a pool slot of its own here: poolSize is twice SANDBOX_POOL_SIZE.)
 */
export interface HostUidRange {
  base: number;
  count: number;
}

export class HostUids {
  /** Free on-demand uids, the longest free first. */
  private readonly free: number[];
  private readonly waiting: Array<(uid: number) => void> = [];

  constructor(
    private readonly range: HostUidRange,
    private readonly poolSize: number,
  ) {
    if (range.count < 2 * poolSize + 1) throw new Error(`${range.count} sandbox uids cannot serve ${poolSize} pool slots and a run on demand`);
    this.free = Array.from({ length: range.count - 2 * poolSize }, (_, i) => range.base + 2 * poolSize + i);
  }

  /** The uid of pool slot `slot`'s jails (and of its fork server's runs). */
  slot(slot: number): number {
    return this.range.base + this.checked(slot);
  }

  /** The uid of pool slot `slot`'s fork-server zygote. */
  zygote(slot: number): number {
    return this.range.base + this.poolSize + this.checked(slot);
  }

  /** A slot past the pool's would take a uid of another slot or of the on-demand ones. */
  private checked(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= this.poolSize) throw new Error(`no pool slot ${slot} among ${this.poolSize}`);
    return slot;
  }

  /** A uid no other live jail has, for a jail started on demand; waits while every one is in use. */
  lease(): Promise<number> {
    const uid = this.free.shift();
    if (uid !== undefined) return Promise.resolve(uid);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Back to the pool once the jail's processes are all gone. */
  release(uid: number): void {
    const next = this.waiting.shift();
    if (next) next(uid);
    else this.free.push(uid);
  }
}
