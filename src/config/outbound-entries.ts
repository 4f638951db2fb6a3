import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** OUTBOUND_ALLOW_PRIVATE entries: validated by the configuration schema, parsed by outbound/. */
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST_PATTERN = new RegExp(`^(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})*$`, 'i');

/**
 * Why an OUTBOUND_ALLOW_PRIVATE entry is not acceptable, or null.
 * Rules: an IP address or CIDR (not /0: that would allow every address), or a host name,
 * optionally `*.` for every name under a domain.
 */
export function allowPrivateEntryProblem(entry: string): string | null {
  if (isNetwork(entry)) {
    const [address, prefix] = entry.split('/');
    if (!isIP(address ?? '') || !ipaddr.isValidCIDR(prefix === undefined ? `${address}/${isIP(address!) === 4 ? 32 : 128}` : entry)) {
      return `${entry} is not a valid IP address or CIDR`;
    }
    if (prefix !== undefined && Number(prefix) === 0) return `${entry} would allow every address; name the hospital's networks`;
    return null;
  }
  return HOST_PATTERN.test(entry) ? null : `${entry} is neither a CIDR nor a host name (e.g. 10.20.0.0/16 or idp.hospital.local)`;
}

export function isNetwork(entry: string): boolean {
  return isIP(entry) !== 0 || /^[0-9a-f.:]+\/[^/]*/i.test(entry);
}

