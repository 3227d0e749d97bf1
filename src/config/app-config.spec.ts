import { ConfigError, loadConfig } from './app-config';

const base = { API_KEYS: 'k1', NSJAIL_PATH: '/bin/true', PYTHON_PATH: '/bin/true' };

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
      webhookMaxAttempts: 5,
      webhookAllowPrivateHosts: false,
      jobTtlSeconds: 86_400,
      webhookSecret: null,
    });
  });

  it('splits API_KEYS and accepts API_KEY', () => {
    expect(loadConfig({ ...base, API_KEYS: ' a, b ,,c' }).apiKeys).toEqual(['a', 'b', 'c']);
    expect(loadConfig({ ...base, API_KEYS: undefined, API_KEY: 'solo' }).apiKeys).toEqual(['solo']);
  });

  it('names every bad variable on its own line', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ API_KEYS: '', PORT: 'eighty', ROLE: 'boss', MAX_QUEUE_LENGTH: '-1', NSJAIL_PATH: '/nonexistent/nsjail', PYTHON_PATH: '/bin/true', WEBHOOK_ALLOW_PRIVATE_HOSTS: 'maybe' });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const variables = error!.problems.map((line) => line.split(':')[0]);
    expect(variables.sort()).toEqual(['API_KEYS', 'MAX_QUEUE_LENGTH', 'NSJAIL_PATH', 'PORT', 'ROLE', 'WEBHOOK_ALLOW_PRIVATE_HOSTS']);
  });
});
