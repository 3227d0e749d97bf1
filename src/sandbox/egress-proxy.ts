import { promises as dns } from 'node:dns';
import { promises as fs } from 'node:fs';
import * as http from 'node:http';
import { isIP, Socket, connect } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { isForbiddenAddress } from '../common/address-policy';

/** Where runs may go, and how much (EGRESS_* settings). */
export interface EgressPolicy {
  allowedHosts: { host: string; port: number | null }[];
  allowPrivateHosts: boolean;
  maxBytes: number;
  maxConnections: number;
}

/** What one run did through the proxy: for the log, the metrics, and its stderr. */
export interface EgressReport {
  allowed: number;
  refused: number;
  bytes: number;
  hosts: string[];
  /** Lines for the run's stderr: each refusal and each cut connection, with the reason. */
  events: string[];
}

/** The socket's name in the directory the jail mounts. */
export const EGRESS_SOCKET = 'egress.sock';
const DEFAULT_PORTS = [80, 443];

class Refused extends Error {}

export function hostAllowed(policy: EgressPolicy, host: string, port: number): boolean {
  const name = host.toLowerCase();
  return policy.allowedHosts.some((entry) => {
    const nameMatches = entry.host.startsWith('*.') ? name.endsWith(entry.host.slice(1)) && name.length > entry.host.length - 1 : name === entry.host;
    return nameMatches && (entry.port === null ? DEFAULT_PORTS.includes(port) : entry.port === port);
  });
}

/**
 * One run's egress proxy, on a Unix socket the jail mounts: HTTP CONNECT tunnels (HTTPS; the proxy
 * never sees plaintext) and absolute-URI HTTP requests, to allowlisted hosts only. It resolves
 * names itself and connects to an address it checked (no DNS rebinding), refuses private and
 * reserved addresses unless allowed, and cuts a run's connections past its byte budget.
 */
export class EgressProxy {
  private readonly report: EgressReport = { allowed: 0, refused: 0, bytes: 0, hosts: [], events: [] };
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private cut = false;

  private constructor(
    private readonly policy: EgressPolicy,
    readonly socketDir: string,
    private readonly server: http.Server,
  ) {
    server.on('connect', (request: http.IncomingMessage, client: Socket, head: Buffer) => void this.tunnel(request, client, head));
    server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => void this.forward(request, response));
    server.on('connection', (socket: Socket) => this.track(socket));
  }

  static async open(policy: EgressPolicy): Promise<EgressProxy> {
    const socketDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pyexec-egress-'));
    await fs.chmod(socketDir, 0o755);
    const server = http.createServer();
    const proxy = new EgressProxy(policy, socketDir, server);
    const socketPath = path.join(socketDir, EGRESS_SOCKET);
    await new Promise<void>((resolve, reject) => server.listen(socketPath, resolve).once('error', reject));
    // The jail's user connects to it; nothing else can reach this directory's socket.
    await fs.chmod(socketPath, 0o666);
    return proxy;
  }

  private track(socket: Socket): void {
    if (this.sockets.has(socket)) return; // a kept-alive upstream socket serves several requests
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
  }

  /** Counts bytes both ways; past the budget every connection of the run is cut. */
  private count(bytes: number, host: string): boolean {
    this.report.bytes += bytes;
    if (this.report.bytes <= this.policy.maxBytes) return true;
    if (!this.cut) {
      this.cut = true;
      this.report.events.push(`pyexec egress: connection to ${host} cut: EGRESS_MAX_BYTES (${this.policy.maxBytes} bytes) reached`);
      for (const socket of this.sockets) socket.destroy();
    }
    return false;
  }

  /** The checked address to connect to, or Refused with the reason the program sees. */
  private async destination(host: string, port: number): Promise<string> {
    if (this.cut) throw new Refused(`EGRESS_MAX_BYTES (${this.policy.maxBytes} bytes) reached`);
    if (++this.connections > this.policy.maxConnections) throw new Refused(`EGRESS_MAX_CONNECTIONS (${this.policy.maxConnections}) reached`);
    if (!hostAllowed(this.policy, host, port)) throw new Refused(`${host}:${port} is not on the allowlist (EGRESS_ALLOWED_HOSTS)`);
    const addresses = isIP(host) ? [host] : (await dns.lookup(host, { all: true, verbatim: true }).catch(() => [])).map((entry) => entry.address);
    if (addresses.length === 0) throw new Refused(`${host} does not resolve`);
    const usable = this.policy.allowPrivateHosts ? addresses : addresses.filter((address) => !isForbiddenAddress(address));
    if (usable.length === 0) throw new Refused(`${host} resolves only to private or reserved addresses (${addresses.join(', ')})`);
    return usable[0];
  }

  private refuse(host: string, reason: string): string {
    this.report.refused++;
    const line = `pyexec egress refused: ${reason}`;
    this.report.events.push(line);
    return line;
  }

  private allow(host: string): void {
    this.report.allowed++;
    if (!this.report.hosts.includes(host)) this.report.hosts.push(host);
  }

  private async tunnel(request: http.IncomingMessage, client: Socket, head: Buffer): Promise<void> {
    const target = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(request.url ?? '');
    const host = target?.[1] ?? '';
    const port = Number(target?.[2] ?? 0);
    let address: string;
    try {
      if (!target) throw new Refused(`bad CONNECT target ${JSON.stringify(request.url)}`);
      address = await this.destination(host, port);
    } catch (error) {
      const reason = error instanceof Refused ? error.message : (error as Error).message;
      client.end(`HTTP/1.1 403 ${this.refuse(host, reason).replace(/[\r\n]/g, ' ')}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.allow(host);
    const upstream = connect({ host: address, port });
    this.track(upstream);
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0 && this.count(head.length, host)) upstream.write(head);
      for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
        from.on('data', (chunk: Buffer) => {
          if (this.count(chunk.length, host)) to.write(chunk);
        });
        from.on('end', () => to.end());
      }
    });
    upstream.once('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
  }

  private async forward(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(request.url ?? '');
      if (url.protocol !== 'http:') throw new Error('only http:// URLs are forwarded; HTTPS goes through CONNECT');
    } catch (error) {
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end(`${this.refuse('', (error as Error).message)}\n`);
      return;
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || 80);
    let address: string;
    try {
      address = await this.destination(host, port);
    } catch (error) {
      const line = this.refuse(host, (error as Error).message);
      response.writeHead(403, line.replace(/[^\x20-\x7e]/g, ' '), { 'Content-Type': 'text/plain' }).end(`${line}\n`);
      return;
    }
    this.allow(host);
    const upstream = http.request({ host: address, port, method: request.method, path: `${url.pathname}${url.search}`, headers: request.headers, setHost: false });
    upstream.on('socket', (socket: Socket) => this.track(socket));
    upstream.on('response', (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.on('data', (chunk: Buffer) => {
        if (this.count(chunk.length, host)) response.write(chunk);
      });
      answer.on('end', () => response.end());
    });
    upstream.on('error', (error) => {
      if (!response.headersSent) response.writeHead(502, { 'Content-Type': 'text/plain' });
      response.end(`pyexec egress: ${host}: ${error.message}\n`);
    });
    request.on('data', (chunk: Buffer) => {
      if (this.count(chunk.length, host)) upstream.write(chunk);
    });
    request.on('end', () => upstream.end());
  }

  /** Closes the proxy and every connection of the run; what the run did. */
  async close(): Promise<EgressReport> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await fs.rm(this.socketDir, { recursive: true, force: true });
    return this.report;
  }
}
