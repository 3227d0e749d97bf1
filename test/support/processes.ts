import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { waitUntil } from './wait';

const ROOT = path.resolve(__dirname, '..', '..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A built pyexec process (dist/main.js) with its own environment; its output is kept. */
export class ServiceProcess {
  readonly output: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    this.child = spawn(process.execPath, [path.join(ROOT, 'dist', 'main.js')], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Resolves when GET /health/ready answers 200. */
  ready(timeoutMs = 30_000): Promise<true> {
    return waitUntil(async () => ((await fetch(`${this.url}/health/ready`)).status === 200 ? true : undefined), timeoutMs, `readiness of :${this.port}`);
  }

  /** JSON log lines the process wrote. */
  logLines(): Record<string, unknown>[] {
    return this.output
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** A graceful stop (so the process removes its cgroups), forced after 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const forced = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(forced);
  }
}

/**
 * The value of a Prometheus sample, e.g. metricValue(url, 'pyexec_executions_total{outcome="ok"}'):
 * the sum of the samples of that name whose labels include the ones given (as a PromQL
 * selector summed), so a label added to a metric does not change what a test reads.
 */
export async function metricValue(baseUrl: string, sample: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const [, name, wanted = ''] = /^([^{\s]+)(?:\{(.*)\})?$/.exec(sample)!;
  const labels = (list: string): string[] => list.match(/[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"/g) ?? [];
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([^{\s]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = labels(match[2] ?? '');
    if (labels(wanted).every((label) => present.includes(label))) total += Number(match[3]);
  }
  return total;
}
