import { isIP } from 'node:net';
import { isForbiddenAddress } from '../common/address-policy';
import { promises as dns, LookupAddress, LookupOptions } from 'node:dns';

export { isForbiddenAddress };

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
