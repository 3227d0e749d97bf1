import { Logger } from '@nestjs/common';
import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError } from '../config/app-config';
import { keyDigest } from './api-key';
import { ApiKeyStore, loadApiKeys } from './api-key-store';

const dir = mkdtempSync(path.join(tmpdir(), 'pyexec-keys-spec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
function keysFile(text: string): string {
  const file = path.join(dir, `keys-${++count}.txt`);
  writeFileSync(file, text);
  return file;
}

/** Replaces a file the way editors and Kubernetes do: a new file renamed over the old one. */
function replace(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

const accepts = (store: ApiKeyStore, key: string) => store.current.some((known) => known.digest.equals(keyDigest(key)));
const names = (store: ApiKeyStore) => store.current.map((key) => key.name).sort();

async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('loadApiKeys (boot)', () => {
  it('stops the boot with a config error naming the file and the line', () => {
    const file = keysFile('ok: a-key\nthis is wrong\n');
    expect(() => loadApiKeys({ apiKeys: [], apiKeysFile: file })).toThrow(ConfigError);
    try {
      loadApiKeys({ apiKeys: [], apiKeysFile: file });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        `API_KEYS_FILE: "${file}": line 2: expected "name: key" or a key alone (keys hold no white space)`,
      ]);
    }
  });

  it('refuses a file with no key when API_KEYS is empty too, and a missing file', () => {
    const empty = keysFile('# none\n');
    expect(() => loadApiKeys({ apiKeys: [], apiKeysFile: empty })).toThrow(/holds no key and API_KEYS is empty/);
    expect(loadApiKeys({ apiKeys: ['env-key'], apiKeysFile: empty })).toHaveLength(1);
    expect(() => loadApiKeys({ apiKeys: [], apiKeysFile: path.join(dir, 'absent') })).toThrow(/cannot be read \(ENOENT\)/);
  });
});

describe('ApiKeyStore reloads', () => {
  let store: ApiKeyStore | undefined;
  let errors: jest.SpyInstance;
  beforeEach(() => {
    errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });
  afterEach(() => {
    store?.onModuleDestroy();
    store = undefined;
    jest.restoreAllMocks();
  });

  it('swaps the whole key set on reload, keeping API_KEYS', () => {
    const file = keysFile('alpha: key-a\n');
    store = new ApiKeyStore({ apiKeys: ['env-key'], apiKeysFile: file });
    const before = store.current;
    expect(accepts(store, 'key-a') && accepts(store, 'env-key')).toBe(true);
    writeFileSync(file, 'beta: key-b\n');
    expect(store.reload('test')).toBe(true);
    expect(before.map((key) => key.name)).toContain('alpha'); // a request that read the old set keeps it whole
    expect(accepts(store, 'key-a')).toBe(false);
    expect(accepts(store, 'key-b') && accepts(store, 'env-key')).toBe(true);
  });

  it('keeps the old keys and logs an error when the new file is bad, unreadable or empty', () => {
    const file = keysFile('alpha: key-a\n');
    store = new ApiKeyStore({ apiKeys: [], apiKeysFile: file });
    for (const text of ['alpha key-a extra\n', `x: sha256:${'0'.repeat(10)}\n`, '# emptied\n']) {
      writeFileSync(file, text);
      expect(store.reload('test')).toBe(false);
      expect(names(store)).toEqual(['alpha']);
    }
    unlinkSync(file);
    expect(store.reload('test')).toBe(false);
    expect(accepts(store, 'key-a')).toBe(true);
    expect(errors).toHaveBeenCalledTimes(4);
    expect(JSON.stringify(errors.mock.calls)).not.toContain('key-a');
  });

  it('sees a file replaced by rename, through the watch of its directory', async () => {
    const file = keysFile('alpha: key-a\n');
    store = new ApiKeyStore({ apiKeys: [], apiKeysFile: file });
    store.onModuleInit();
    replace(file, 'alpha: key-a\nbeta: key-b\n');
    await eventually(() => accepts(store!, 'key-b'));
    replace(file, 'beta: key-b\n');
    await eventually(() => !accepts(store!, 'key-a'));
    expect(names(store)).toEqual(['beta']);
    // Written in place, too.
    writeFileSync(file, 'gamma: key-c\n');
    await eventually(() => accepts(store!, 'key-c'));
  });

  it('reloads on SIGHUP, and stops listening once destroyed', () => {
    const file = keysFile('alpha: key-a\n');
    store = new ApiKeyStore({ apiKeys: [], apiKeysFile: file });
    store.onModuleInit();
    const reload = jest.spyOn(store, 'reload');
    process.emit('SIGHUP', 'SIGHUP');
    expect(reload).toHaveBeenCalledWith('SIGHUP');
    store.onModuleDestroy();
    process.emit('SIGHUP', 'SIGHUP');
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('needs no file: API_KEYS alone, nothing watched', () => {
    store = new ApiKeyStore({ apiKeys: ['a', 'b'], apiKeysFile: null });
    store.onModuleInit();
    expect(store.current).toHaveLength(2);
    expect(store.reload('SIGHUP')).toBe(false);
  });
});
