import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The dependency rules of src/ (docs/architecture.md explains them): each folder may import
 * only the folders listed for it, and some packages only from where they belong. Dependencies
 * follow the data flow — request → guard → DTO → queue → sandbox → answer/webhook — and the
 * shared contract depends on none of the modules that use it.
 */
export const ALLOWED: Record<string, string[]> = {
  config: [],
  common: [],
  metrics: [],
  // Spans through the OpenTelemetry API, the SDK's start-up, the HTTP server spans: used by the
  // modules along the data flow, depending on none of them (its configuration type aside).
  tracing: ['config'],
  logging: ['config', 'tracing'],
  auth: ['common', 'config', 'tracing'],
  'rate-limit': ['auth', 'common', 'config'],
  openapi: ['auth'],
  // The sandbox knows nothing of HTTP or queues: its limits come through configuration.
  sandbox: ['config', 'metrics', 'common/address-policy', 'common/deadline'],
  // Job data, the answer to a run and the status vocabularies: shared, depending on no user of it.
  contract: ['sandbox', 'common'],
  webhooks: ['contract', 'config', 'common', 'metrics', 'tracing'],
  queue: ['contract', 'sandbox', 'webhooks', 'config', 'common', 'metrics', 'tracing'],
  execution: ['contract', 'queue', 'webhooks', 'auth', 'config', 'common', 'openapi'],
  jobs: ['contract', 'queue', 'webhooks', 'auth', 'common', 'openapi', 'execution/dto'],
  runtime: ['contract', 'sandbox', 'auth', 'config', 'common', 'openapi'],
  health: ['queue', 'sandbox', 'config', 'common'],
};

/** Packages only some folders may import. */
export const PACKAGE_OWNERS: Record<string, string[]> = {
  bull: ['queue', 'webhooks'],
  '@nestjs/bull': ['queue', 'webhooks'],
  express: ['common', 'auth', 'rate-limit', 'execution', 'openapi', 'logging'],
  '@nestjs/axios': ['webhooks'],
  axios: ['webhooks'],
  // Only tracing/ talks to OpenTelemetry; the others use its helpers (no-ops while tracing is off).
  '@opentelemetry/api': ['tracing'],
  '@opentelemetry/core': ['tracing'],
  '@opentelemetry/resources': ['tracing'],
  '@opentelemetry/sdk-trace-node': ['tracing'],
  '@opentelemetry/exporter-trace-otlp-http': ['tracing'],
  '@opentelemetry/exporter-trace-otlp-proto': ['tracing'],
};

export interface SourceFile {
  /** Path relative to src/, with forward slashes. */
  file: string;
  text: string;
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function folderOf(file: string): string | null {
  const slash = file.indexOf('/');
  return slash === -1 ? null : file.slice(0, slash);
}

/** Every import that breaks a rule, as `file: imports target`. */
export function violations(files: SourceFile[]): string[] {
  const found: string[] = [];
  for (const { file, text } of files) {
    const folder = folderOf(file);
    if (folder === null || file.endsWith('.spec.ts')) continue; // the root files wire everything
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2];
      if (specifier.startsWith('.')) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
        const targetFolder = folderOf(target);
        if (targetFolder === null || targetFolder === folder) continue;
        const allowed = ALLOWED[folder];
        if (!allowed) {
          found.push(`${file}: folder ${folder} has no rule (add it to ALLOWED)`);
        } else if (!allowed.some((entry) => target === entry || target.startsWith(`${entry}/`))) {
          found.push(`${file}: imports ${target}`);
        }
      } else {
        const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
        const owners = PACKAGE_OWNERS[pkg];
        if (owners && !owners.includes(folder)) found.push(`${file}: imports package ${pkg}`);
      }
    }
  }
  return found;
}

function sources(dir: string, base = dir): SourceFile[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full, base);
    if (!entry.name.endsWith('.ts')) return [];
    return [{ file: path.relative(base, full).split(path.sep).join('/'), text: readFileSync(full, 'utf8') }];
  });
}

describe('dependency rules', () => {
  it('hold for every import in src/', () => {
    const files = sources(__dirname);
    expect(files.length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it('every folder of src/ has a rule', () => {
    const folders = readdirSync(__dirname, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    expect(folders.filter((folder) => !(folder in ALLOWED)).sort()).toEqual([]);
  });

  it('catch an import against the data flow, a package out of place, and a folder without a rule', () => {
    expect(
      violations([
        { file: 'sandbox/jail.ts', text: "import { ExecutionJobData } from '../contract/job';\nimport type { Request } from 'express';" },
        { file: 'contract/answer.ts', text: "import { ExecutionJobs } from '../queue/execution-jobs';" },
        { file: 'webhooks/x.ts', text: "export { EXECUTION_QUEUE } from '../queue/execution-queue';" },
        { file: 'jobs/jobs.service.ts', text: "import { ExecuteResultDto } from '../execution/dto/execute-response.dto';\nimport { ExecutionService } from '../execution/execution.service';" },
        { file: 'newfolder/a.ts', text: "import { x } from '../config/app-config';" },
        { file: 'queue/a.ts', text: "import { x } from './b';\nimport Queue from 'bull';" },
      ]),
    ).toEqual([
      'sandbox/jail.ts: imports contract/job',
      'sandbox/jail.ts: imports package express',
      'contract/answer.ts: imports queue/execution-jobs',
      'webhooks/x.ts: imports queue/execution-queue',
      'jobs/jobs.service.ts: imports execution/execution.service',
      'newfolder/a.ts: folder newfolder has no rule (add it to ALLOWED)',
    ]);
  });
});
