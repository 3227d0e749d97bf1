import { BlockList, isIP } from 'node:net';
import { promises as dns, LookupAddress, LookupOptions } from 'node:dns';

/** Addresses a webhook may never reach unless WEBHOOK_ALLOW_PRIVATE_HOSTS=true. */
const FORBIDDEN = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  FORBIDDEN.addSubnet(network, prefix, 'ipv6');
}

/** IPv4 carried inside IPv6: mapped (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and compatible forms. */
function embeddedIPv4(address: string): string | null {
  const dotted = /^(?:::ffff:|64:ff9b::|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return null;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

export function isForbiddenAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 4) return FORBIDDEN.check(bare, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIPv4(bare);
    return v4 !== null ? FORBIDDEN.check(v4, 'ipv4') : FORBIDDEN.check(bare, 'ipv6');
  }
  return true; // not an address at all: refuse rather than guess
}

export class ForbiddenWebhookHost extends Error {}

/** The URL's host name, an IPv6 literal without its brackets. */
function hostOf(url: string): string {
  return new URL(url).hostname.replace(/^\[|\]$/g, '');
}

/** The one check of an IP-literal host: the literal when it is forbidden, else null (names included). */
export function forbiddenLiteralHost(url: string): string | null {
  const host = hostOf(url);
  return isIP(host) && isForbiddenAddress(host) ? host : null;
}

/**
 * Submission-time check. An IP literal or a name resolving to a forbidden address is refused;
 * a name that does not resolve now is accepted, since delivery checks the address it connects to.
 */
export async function checkWebhookUrl(url: string): Promise<void> {
  const literal = forbiddenLiteralHost(url);
  if (literal) throw new ForbiddenWebhookHost(`webhook_url host ${literal} is a private or reserved address`);
  const host = hostOf(url);
  if (isIP(host)) return;
  let addresses: LookupAddress[];
  try {
    addresses = await dns.lookup(host, { all: true, verbatim: true });
  } catch {
    return;
  }
  const forbidden = addresses.find(({ address }) => isForbiddenAddress(address));
  if (forbidden) {
    throw new ForbiddenWebhookHost(`webhook_url host ${host} resolves to ${forbidden.address}, a private or reserved address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for the HTTP agents: the connection goes to the address checked here, so a DNS
 * answer that changed since submission (rebinding) cannot reach a private address.
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dns
    .lookup(hostname, { ...options, all: true, verbatim: true })
    .then((addresses) => {
      const allowed = addresses.filter(({ address }) => !isForbiddenAddress(address));
      if (allowed.length === 0) {
        const error: NodeJS.ErrnoException = new ForbiddenWebhookHost(
          `${hostname} resolves only to private or reserved addresses (${addresses.map((a) => a.address).join(', ')})`,
        );
        error.code = 'EFORBIDDENHOST';
        callback(error, []);
        return;
      }
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    })
    .catch((error: NodeJS.ErrnoException) => callback(error, []));
}
