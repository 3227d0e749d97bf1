import { memoryOf, persistenceOf } from './queue-health';
import { isOutOfMemory } from './redis-call';

describe('persistenceOf (readiness: does the Redis keep jobs across its restart)', () => {
  it('is aof when the append-only file is on, whatever the snapshots', () => {
    expect(persistenceOf(['appendonly', 'yes'], ['save', ''])).toBe('aof');
    expect(persistenceOf(['appendonly', 'yes'], ['save', '3600 1 300 100'])).toBe('aof');
  });

  it('is rdb with snapshots only, none with neither', () => {
    expect(persistenceOf(['appendonly', 'no'], ['save', '3600 1 300 100 60 10000'])).toBe('rdb');
    expect(persistenceOf(['appendonly', 'no'], ['save', ''])).toBe('none');
  });

  it('is unknown when CONFIG answers nothing usable', () => {
    expect(persistenceOf([], ['save', ''])).toBe('unknown');
    expect(persistenceOf(null, null)).toBe('unknown');
  });
});

describe('memoryOf (readiness: how full is Redis)', () => {
  it('reads used_memory, maxmemory and the policy from INFO memory', () => {
    const info = '# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nmaxmemory:16777216\r\nmaxmemory_policy:noeviction\r\n';
    expect(memoryOf(info)).toEqual({ usedBytes: 1048576, maxBytes: 16777216, policy: 'noeviction' });
  });

  it('is null when INFO lacks them', () => {
    expect(memoryOf('# Memory\r\nused_memory:12\r\n')).toBeNull();
  });
});

describe('isOutOfMemory', () => {
  it("recognises Redis's refusal of a write at maxmemory, in a script too", () => {
    expect(isOutOfMemory(new Error("OOM command not allowed when used memory > 'maxmemory'."))).toBe(true);
    expect(isOutOfMemory(new Error("OOM command not allowed when used memory > 'maxmemory'. script: 27ea, on @user_script:84."))).toBe(true);
    expect(isOutOfMemory(new Error('Connection is closed.'))).toBe(false);
  });
});
