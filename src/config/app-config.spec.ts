import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, RUNTIME_MANIFEST } from './app-config';

/** A stand-in runtime: the manifest build-runtime.sh writes and an executable bin/python3. */
const runtimeDir = mkdtempSync(path.join(tmpdir(), 'pyexec-config-spec-'));
mkdirSync(path.join(runtimeDir, 'bin'));
symlinkSync('/bin/true', path.join(runtimeDir, 'bin', 'python3'));
writeFileSync(path.join(runtimeDir, RUNTIME_MANIFEST), JSON.stringify({ jail_path: '/opt/pyexec/runtime', python: '3.11.2', stdlib_modules: ['json', 'sys'] }));
afterAll(() => rmSync(runtimeDir, { recursive: true, force: true }));

const base = { API_KEYS: 'k1', NSJAIL_PATH: '/bin/true', RUNTIME_DIR: runtimeDir };

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      port: 8080,
      apiKeys: ['k1'],
      role: 'all',
      maxQueueLength: 0,
      maxOutputBytes: 1_048_576,
      sandboxMemoryMb: 256,
      webhookMaxAttempts: 43,
      webhookRetryBaseMs: 2000,
      webhookRetryMaxMs: 3_600_000,
      webhookAllowPrivateHosts: false,
      jobTtlSeconds: 86_400,
      webhookSecret: null,
      runtime: { dir: runtimeDir, jailDir: '/opt/pyexec/runtime', pythonVersion: '3.11.2' },
      sandboxMemoryMbCap: 1024,
      sandboxMaxPidsCap: 256,
      maxOutputBytesCap: 8 * 1_048_576,
      maxInputFilesBytes: 10 * 1_048_576,
      maxOutputFiles: 64,
      maxOutputFilesBytes: 10 * 1_048_576,
    });
  });

  it('refuses a cap below its default, input files larger than the working directory, and a missing runtime', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        loadConfig({ ...base, ...env });
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(problems({ SANDBOX_MEMORY_MB: '512', SANDBOX_MEMORY_MB_CAP: '256' })).toEqual([
      'SANDBOX_MEMORY_MB_CAP: must be an integer from 512 to 65536, got "256"',
    ]);
    expect(problems({ SANDBOX_TMPFS_MB: '4', MAX_INPUT_FILES_BYTES: String(5 * 1_048_576) })[0]).toMatch(/^MAX_INPUT_FILES_BYTES: .*SANDBOX_TMPFS_MB/);
    expect(problems({ RUNTIME_DIR: '/nonexistent' })[0]).toMatch(/^RUNTIME_DIR: "\/nonexistent" holds no complete runtime/);
  });

  it('splits API_KEYS and accepts API_KEY', () => {
    expect(loadConfig({ ...base, API_KEYS: ' a, b ,,c' }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(loadConfig({ ...base, API_KEYS: undefined, API_KEY: 'solo' }).apiKeys).toEqual(['solo']);
  });

  it('names every bad variable on its own line', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ API_KEYS: '', PORT: 'eighty', ROLE: 'boss', MAX_QUEUE_LENGTH: '-1', NSJAIL_PATH: '/nonexistent/nsjail', RUNTIME_DIR: runtimeDir, WEBHOOK_ALLOW_PRIVATE_HOSTS: 'maybe' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = error!.problems.map((line) => line.split(':')[0]);
    expect(variables.sort()).toEqual(['API_KEYS', 'MAX_QUEUE_LENGTH', 'NSJAIL_PATH', 'PORT', 'ROLE', 'WEBHOOK_ALLOW_PRIVATE_HOSTS']);
  });
});

describe('lean fork servers (SANDBOX_LEAN_SERVERS)', () => {
  const pool = { ...base, WORKER_CONCURRENCY: '4', SANDBOX_POOL_SIZE: '4' };

  it('are on with fork servers that preload something: twice the slots, and two host uids more per slot', () => {
    const config = loadConfig(pool);
    expect(config).toMatchObject({ sandboxLeanServers: true, sandboxLeanServersOff: null, sandboxSlots: 8, sandboxUidCount: 2 * 8 + 4 + 1 });
    expect(config.runtime.stdlibModules).toEqual(['json', 'sys']);
  });

  it('are off, without a word, when asked off or when there is nothing they would spare', () => {
    for (const env of [{ SANDBOX_LEAN_SERVERS: 'false' }, { SANDBOX_FORKSERVER: 'false' }, { SANDBOX_POOL_SIZE: '0' }, { SANDBOX_PRELOAD: '' }]) {
      const config = loadConfig({ ...pool, ...env });
      expect(config).toMatchObject({ sandboxLeanServers: false, sandboxLeanServersOff: null });
      expect(config.sandboxSlots).toBe(config.sandboxPoolSize);
    }
  });

  it('are off, saying why, when an explicit SANDBOX_UID_COUNT has no uids for them: a setting that served before still boots', () => {
    const config = loadConfig({ ...pool, SANDBOX_UID_COUNT: '13' });
    expect(config).toMatchObject({ sandboxLeanServers: false, sandboxSlots: 4, sandboxUidCount: 13 });
    expect(config.sandboxLeanServersOff).toBe('SANDBOX_UID_COUNT 13 has no host uids for them (they need at least 17)');
    expect(loadConfig({ ...pool, SANDBOX_UID_COUNT: '17' })).toMatchObject({ sandboxLeanServers: true, sandboxSlots: 8 });
  });

  it('are off, saying why, when the default block of 1,000 host uids cannot hold them', () => {
    const big = { ...base, WORKER_CONCURRENCY: '200', SANDBOX_POOL_SIZE: '200' };
    const config = loadConfig(big);
    expect(config).toMatchObject({ sandboxLeanServers: false, sandboxSlots: 200, sandboxUidCount: 2 * 200 + 200 + 1 });
    expect(config.sandboxLeanServersOff).toMatch(/^the default block of 1000 host uids cannot hold them/);
    expect(loadConfig({ ...big, SANDBOX_UID_BASE: '2000000000' })).toMatchObject({ sandboxLeanServers: true, sandboxUidCount: 4 * 200 + 200 + 1 });
  });

  it("are off, saying why, with a runtime whose manifest (an older build script's) lists no standard-library modules", () => {
    const older = mkdtempSync(path.join(tmpdir(), 'pyexec-config-spec-'));
    try {
      mkdirSync(path.join(older, 'bin'));
      symlinkSync('/bin/true', path.join(older, 'bin', 'python3'));
      writeFileSync(path.join(older, RUNTIME_MANIFEST), JSON.stringify({ jail_path: '/opt/pyexec/runtime', python: '3.11.2' }));
      const config = loadConfig({ ...pool, RUNTIME_DIR: older });
      expect(config).toMatchObject({ sandboxLeanServers: false, sandboxSlots: 4, runtime: { stdlibModules: null } });
      expect(config.sandboxLeanServersOff).toMatch(/^the runtime's manifest lists no standard-library modules/);
    } finally {
      rmSync(older, { recursive: true, force: true });
    }
  });
});
