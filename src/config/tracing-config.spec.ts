import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ConfigError, loadConfig, RUNTIME_MANIFEST } from './app-config';

/** A stand-in runtime, as in app-config.spec.ts. */
const runtimeDir = mkdtempSync(path.join(tmpdir(), 'pyexec-tracing-config-spec-'));
mkdirSync(path.join(runtimeDir, 'bin'));
symlinkSync('/bin/true', path.join(runtimeDir, 'bin', 'python3'));
writeFileSync(path.join(runtimeDir, RUNTIME_MANIFEST), JSON.stringify({ jail_path: '/opt/pyexec/runtime', python: '3.11.2', stdlib_modules: ['json', 'sys'] }));
afterAll(() => rmSync(runtimeDir, { recursive: true, force: true }));

const base = { API_KEYS: 'k1', NSJAIL_PATH: '/bin/true', RUNTIME_DIR: runtimeDir };
const problems = (env: Record<string, string>): string[] => {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (error) {
    return (error as ConfigError).problems;
  }
};

describe('tracing configuration (OTEL_*)', () => {
  it('is off unless an exporter or an OTLP endpoint is set, and when disabled', () => {
    expect(loadConfig(base).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_SERVICE_NAME: 'x' }).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeNull();
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' }).tracing).toBeNull();
  });

  it('reads the endpoint, protocol, headers, resource and sampler', () => {
    expect(loadConfig({ ...base, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      exporter: 'otlp',
      url: 'http://collector:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      serviceName: 'pyexec',
      resourceAttributes: {},
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
    });
    expect(
      loadConfig({
        ...base,
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otlp.example/custom/path',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc, x-tenant=t1',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.name=from-resource',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
      }).tracing,
    ).toEqual({
      exporter: 'otlp',
      url: 'https://otlp.example/custom/path',
      protocol: 'http/json',
      headers: { authorization: 'Bearer abc', 'x-tenant': 't1' },
      serviceName: 'from-resource',
      resourceAttributes: { 'deployment.environment': 'prod', 'service.name': 'from-resource' },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
    expect(loadConfig({ ...base, OTEL_TRACES_EXPORTER: 'console' }).tracing?.exporter).toBe('console');
  });

  it('names every bad OTEL_ variable', () => {
    expect(problems({ OTEL_TRACES_EXPORTER: 'zipkin' })).toEqual(['OTEL_TRACES_EXPORTER: must be one of otlp, console, none, got "zipkin"']);
    expect(
      problems({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_HEADERS: 'novalue',
        OTEL_TRACES_SAMPLER: 'traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '2',
      }),
    ).toEqual([
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:// or https:// URL, got "collector:4318"',
      'OTEL_EXPORTER_OTLP_PROTOCOL: must be http/protobuf or http/json (grpc is not supported), got "grpc"',
      'OTEL_TRACES_SAMPLER_ARG: must be a number from 0 to 1, got "2"',
      'OTEL_EXPORTER_OTLP_HEADERS: must be key=value pairs separated by commas, got "novalue"',
    ]);
  });
});

describe('API_KEYS_FILE', () => {
  it('is resolved, must be readable, and stands in for API_KEYS', () => {
    const file = path.join(runtimeDir, 'keys');
    writeFileSync(file, 'k: v\n');
    expect(loadConfig({ ...base, API_KEYS: undefined as unknown as string, API_KEYS_FILE: file })).toMatchObject({ apiKeys: [], apiKeysFile: file });
    expect(problems({ API_KEYS_FILE: '/nonexistent/keys' })).toEqual(['API_KEYS_FILE: "/nonexistent/keys" is not a readable file']);
    expect(problems({ API_KEYS: '' })).toEqual(['API_KEYS: at least one API key is required (comma-separated), or API_KEYS_FILE']);
  });
});
