import { HostUids } from './host-uids';

describe('HostUids', () => {
  const uids = () => new HostUids({ base: 1000, count: 7 }, 2);

  it('gives each pool slot its own uid, and its zygote another', () => {
    const range = uids();
    expect([range.slot(0), range.slot(1), range.zygote(0), range.zygote(1)]).toEqual([1000, 1001, 1002, 1003]);
    // A slot past the pool's would share a uid with another slot's zygote or a run on demand.
    expect(() => range.slot(2)).toThrow(/no pool slot 2 among 2/);
    expect(() => range.zygote(2)).toThrow(/no pool slot 2 among 2/);
  });

  it('leases the rest to jails on demand, never one uid to two at once, the longest free first', async () => {
    const range = uids();
    const leased = await Promise.all([range.lease(), range.lease(), range.lease()]);
    expect(leased).toEqual([1004, 1005, 1006]);
    let fourth: number | undefined;
    const waiting = range.lease().then((uid) => (fourth = uid));
    await Promise.resolve();
    expect(fourth).toBeUndefined();
    range.release(1005);
    expect(await waiting).toBe(1005);
    range.release(1004);
    range.release(1006);
    expect(await range.lease()).toBe(1004);
  });

  it('refuses a range too small for its slots and one run on demand', () => {
    expect(() => new HostUids({ base: 1000, count: 4 }, 2)).toThrow(/cannot serve 2 pool slots/);
  });
});
