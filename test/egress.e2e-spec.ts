import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import request from 'supertest';
import { KEY, startTestApp, TestApp } from './support/test-app';

/**
 * Egress: runs with `network: true` reach allowlisted hosts through the service's proxy, and
 * nothing else. Local HTTP and HTTPS servers on 127.0.0.1 stand in for the internet (the test
 * flag EGRESS_ALLOW_PRIVATE_HOSTS lets the proxy reach loopback).
 */
const BIG_BYTES = 1024 * 1024;
const MAX_BYTES = 200_000;

function listen(server: http.Server | https.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('egress (network: true)', () => {
  const certDir = mkdtempSync(path.join(tmpdir(), 'pyexec-egress-cert-'));
  let httpServer: http.Server;
  let httpsServer: https.Server;
  let httpPort: number;
  let httpsPort: number;
  let caPem: string;
  let open: TestApp;
  let strict: TestApp;
  let off: TestApp;

  beforeAll(async () => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'),
    ], { stdio: 'ignore' });
    caPem = readFileSync(path.join(certDir, 'cert.pem'), 'utf8');
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (req.url === '/big') res.end(Buffer.alloc(BIG_BYTES, 120));
      else res.end(`hello from ${req.socket.localPort}${req.url}`);
    };
    httpServer = http.createServer(handler);
    httpsServer = https.createServer({ key: readFileSync(path.join(certDir, 'key.pem')), cert: caPem }, handler);
    httpPort = await listen(httpServer);
    httpsPort = await listen(httpsServer);
    open = await startTestApp('egress-open', {
      EGRESS_ALLOWED_HOSTS: `127.0.0.1:${httpPort},127.0.0.1:${httpsPort}`,
      EGRESS_ALLOW_PRIVATE_HOSTS: 'true',
      EGRESS_MAX_BYTES: String(MAX_BYTES),
    });
    strict = await startTestApp('egress-strict', { EGRESS_ALLOWED_HOSTS: `localhost:${httpPort}` });
    off = await startTestApp('egress-off');
  }, 120_000);
  afterAll(async () => {
    await Promise.all([open?.close(), strict?.close(), off?.close()]);
    httpServer?.close();
    httpsServer?.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('requests and urllib reach an allowed HTTP server, requests an HTTPS one through a CONNECT tunnel', async () => {
    const code = [
      'import requests, urllib.request',
      `a = requests.get("http://127.0.0.1:${httpPort}/a", timeout=5).text`,
      `b = urllib.request.urlopen("http://127.0.0.1:${httpPort}/b", timeout=5).read().decode()`,
      `c = requests.get("https://127.0.0.1:${httpsPort}/c", verify="ca.pem", timeout=5).text`,
      'return [a, b, c]',
    ].join('\n');
    const res = await open.execute({ code, network: true, timeout: 30, files: [{ path: 'ca.pem', content: Buffer.from(caPem).toString('base64') }] });
    expect(res.body.stderr).toBe('');
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([`hello from ${httpPort}/a`, `hello from ${httpPort}/b`, `hello from ${httpsPort}/c`]);
  });

  it('refuses a host not on the list, with the reason the program sees', async () => {
    const code = [
      'import requests',
      `plain = requests.get("http://127.0.0.1:${httpPort + 1}/", timeout=5)`,
      'try:',
      '    requests.get("https://example.org/", timeout=5)',
      '    tls = "reached"',
      'except requests.exceptions.ProxyError as e:',
      '    tls = str(e)',
      'return [plain.status_code, plain.reason, tls]',
    ].join('\n');
    const res = await open.execute({ code, network: true, timeout: 30 });
    expect(res.status).toBe(200);
    const [status, reason, tls] = res.body.result;
    expect(status).toBe(403);
    expect(reason).toBe(`pyexec egress refused: 127.0.0.1:${httpPort + 1} is not on the allowlist (EGRESS_ALLOWED_HOSTS)`);
    expect(tls).toContain('example.org:443 is not on the allowlist');
    expect(res.body.stderr).toContain('pyexec egress refused: example.org:443 is not on the allowlist');
  });

  it('refuses a listed name that resolves to a private address when private hosts are not allowed', async () => {
    const res = await strict.execute({ code: `import requests\nr = requests.get("http://localhost:${httpPort}/", timeout=5)\nreturn [r.status_code, r.reason]`, network: true, timeout: 30 });
    expect(res.status).toBe(200);
    expect(res.body.result[0]).toBe(403);
    expect(res.body.result[1]).toMatch(/^pyexec egress refused: localhost resolves only to private or reserved addresses/);
  });

  it('allows no direct IP, UDP, raw socket, IPv6 or DNS, even with network', async () => {
    const code = [
      'import socket',
      'out = {}',
      'def attempt(name, action):',
      '    try:',
      '        action()',
      '        out[name] = "OK"',
      '    except OSError as e:',
      '        out[name] = type(e).__name__ + ":" + str(e.errno)',
      'attempt("direct", lambda: socket.create_connection(("93.184.216.34", 80), timeout=2))',
      'attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM))',
      'attempt("raw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, 1))',
      'attempt("ipv6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM))',
      'attempt("dns", lambda: socket.getaddrinfo("example.org", 80))',
      'return out',
    ].join('\n');
    const res = await open.execute({ code, network: true, timeout: 30 });
    expect(res.status).toBe(200);
    const out = res.body.result;
    expect(out.direct).toMatch(/^OSError:101$/); // ENETUNREACH: only loopback exists
    expect(out.udp).toBe('OSError:97'); // EAFNOSUPPORT from the seccomp policy
    expect(out.raw).toBe('OSError:97');
    expect(out.ipv6).toBe('OSError:97');
    expect(out.dns).toMatch(/^gaierror:/);
  });

  it('gives a run without network: true no network, as before', async () => {
    const code = `import os, requests\ntry:\n    requests.get("http://127.0.0.1:${httpPort}/", timeout=5)\n    reached = True\nexcept requests.exceptions.ConnectionError:\n    reached = False\nreturn [reached, "HTTP_PROXY" in os.environ]`;
    const res = await open.execute({ code, timeout: 30 });
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([false, false]);
  });

  it('cuts a download past EGRESS_MAX_BYTES and names the limit', async () => {
    const code = `import requests\ntry:\n    body = requests.get("http://127.0.0.1:${httpPort}/big", timeout=10).content\n    return len(body)\nexcept requests.exceptions.RequestException as e:\n    return type(e).__name__`;
    const res = await open.execute({ code, network: true, timeout: 30 });
    expect(res.status).toBe(200);
    expect(res.body.result).not.toBe(BIG_BYTES);
    expect(res.body.stderr).toContain(`pyexec egress: connection to 127.0.0.1 cut: EGRESS_MAX_BYTES (${MAX_BYTES} bytes) reached`);
  });

  it('answers 400 to network: true when egress is off, and GET /v1/runtime says which hosts are allowed', async () => {
    const refused = await off.execute({ code: 'pass', network: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('Invalid request: network: true needs egress, which this server has off (EGRESS_ALLOWED_HOSTS is empty)');
    const offRuntime = await request(off.url).get('/v1/runtime').set('x-api-key', KEY);
    expect(offRuntime.body.network).toEqual({ egress: false, allowed_hosts: [] });
    const runtime = await request(open.url).get('/v1/runtime').set('x-api-key', KEY);
    expect(runtime.body.network).toEqual({ egress: true, allowed_hosts: [`127.0.0.1:${httpPort}`, `127.0.0.1:${httpsPort}`] });
  });
});
