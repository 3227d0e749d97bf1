import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { FSWatcher, readFileSync, watch } from 'node:fs';
import * as path from 'node:path';
import { APP_CONFIG, AppConfig, ConfigError } from '../config/app-config';
import { ApiKey, ApiKeysFileError, parseApiKeysFile, unionOfKeys } from './api-key';

/** Events on the file's directory are gathered for this long before the file is read. */
const SETTLE_MS = 100;

/** The keys the service accepts now: API_KEYS and API_KEYS_FILE together. Throws ConfigError. */
export function loadApiKeys(config: Pick<AppConfig, 'apiKeys' | 'apiKeysFile'>): ApiKey[] {
  if (!config.apiKeysFile) return unionOfKeys(config.apiKeys, []);
  const keys = unionOfKeys(config.apiKeys, readKeysFile(config.apiKeysFile, (problem) => new ConfigError([`API_KEYS_FILE: ${problem}`])));
  if (keys.length === 0) throw new ConfigError([`API_KEYS_FILE: "${config.apiKeysFile}" holds no key and API_KEYS is empty`]);
  return keys;
}

function readKeysFile(file: string, error: (problem: string) => Error): ApiKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw error(`"${file}" cannot be read (${(cause as NodeJS.ErrnoException).code ?? (cause as Error).message})`);
  }
  try {
    return parseApiKeysFile(text);
  } catch (cause) {
    if (!(cause instanceof ApiKeysFileError)) throw cause;
    throw error(`"${file}": ${cause.problems.join('; ')}`);
  }
}

/**
 * The current set of API keys. The guard reads `current` once per request; a reload builds a
 * whole new array and swaps the reference, so a request sees either the old set or the new one.
 * API_KEYS_FILE is re-read when its directory changes (fs.watch on the directory, so an editor's
 * or a Kubernetes Secret's replace-by-rename is seen) and on SIGHUP. A file that does not parse,
 * cannot be read or would leave no key at all keeps the old keys, and is logged as an error.
 */
@Injectable()
export class ApiKeyStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ApiKeys');
  private keys: readonly ApiKey[];
  private watcher?: FSWatcher;
  private settle?: NodeJS.Timeout;
  private readonly onHangup = () => this.reload('SIGHUP');

  constructor(@Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'apiKeys' | 'apiKeysFile'>) {
    this.keys = loadApiKeys(config);
  }

  get current(): readonly ApiKey[] {
    return this.keys;
  }

  onModuleInit(): void {
    const file = this.config.apiKeysFile;
    if (!file) return;
    process.on('SIGHUP', this.onHangup);
    try {
      this.watcher = watch(path.dirname(file), (_event, changed) => {
        // Any change in the directory may be the file's (a rename over it, a symlink swapped).
        if (changed !== null && changed !== path.basename(file) && !changed.startsWith('..')) return;
        clearTimeout(this.settle);
        this.settle = setTimeout(() => this.reload('change'), SETTLE_MS);
      });
      this.watcher.on('error', (error) => this.logger.error(`watching ${path.dirname(file)} stopped: ${error.message}; SIGHUP still reloads`));
    } catch (error) {
      this.logger.error(`cannot watch ${path.dirname(file)}: ${(error as Error).message}; SIGHUP still reloads`);
    }
  }

  onModuleDestroy(): void {
    process.off('SIGHUP', this.onHangup);
    clearTimeout(this.settle);
    this.watcher?.close();
  }

  /** Re-reads the file; true when the new keys are in force. */
  reload(reason: string): boolean {
    const file = this.config.apiKeysFile;
    if (!file) return false;
    let keys: ApiKey[];
    try {
      keys = unionOfKeys(this.config.apiKeys, readKeysFile(file, (problem) => new Error(problem)));
      if (keys.length === 0) throw new Error(`"${file}" holds no key and API_KEYS is empty`);
    } catch (error) {
      this.logger.error({ reason, problem: (error as Error).message }, 'API keys not reloaded: keeping the previous keys');
      return false;
    }
    const before = new Set(this.keys.map((key) => key.digest.toString('hex')));
    const after = new Set(keys.map((key) => key.digest.toString('hex')));
    const added = keys.filter((key) => !before.has(key.digest.toString('hex'))).map((key) => key.name);
    const removed = this.keys.filter((key) => !after.has(key.digest.toString('hex'))).map((key) => key.name);
    this.keys = keys;
    if (added.length > 0 || removed.length > 0 || reason === 'SIGHUP') {
      this.logger.log({ reason, keys: keys.length, added, removed }, 'API keys reloaded');
    }
    return true;
  }
}
