import { persistenceOf } from './queue-health';

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
