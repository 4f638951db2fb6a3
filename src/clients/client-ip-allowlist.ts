import { z } from 'zod';
import { MAX_CLIENT_IP_RANGES, normaliseIpRange, prefixLength } from './ip-ranges.js';

/**
 * Per-client IP allow-lists (#10): a confidential client that calls from known hospital networks
 * is refused (`invalid_client`) at the token, introspection, revocation and PAR endpoints when a
 * call comes from elsewhere. Stored as the custom client metadata `allowed_ip_ranges`.
 */
export const ALLOWED_IP_RANGES_METADATA = 'allowed_ip_ranges';

const DESCRIPTION =
  `IPv4/IPv6 CIDR ranges (at most ${MAX_CLIENT_IP_RANGES}) this confidential client may call the token, introspection, revocation and PAR endpoints from; ` +
  'calls from elsewhere are refused with invalid_client and audited. Empty: any address. Stored normalised (10.1.2.3/16 → 10.1.0.0/16).';

export interface IpAllowlistRegistration {
  allowedIpRanges?: string[];
}

const ipRange = z
  .string()
  .max(64, 'must be an IPv4 or IPv6 CIDR range, e.g. 10.1.0.0/16 or 2001:db8::/48')
  .transform((value, ctx) => {
    const range = normaliseIpRange(value);
    if (!range) {
      ctx.addIssue({ code: 'custom', message: 'must be an IPv4 or IPv6 address or CIDR range, e.g. 10.1.0.0/16 or 2001:db8::/48' });
      return z.NEVER;
    }
    if (prefixLength(range) === 0) {
      ctx.addIssue({ code: 'custom', message: 'allows every address: leave allowedIpRanges empty instead' });
      return z.NEVER;
    }
    return range;
  });

const ipRanges = z
  .array(ipRange)
  .max(MAX_CLIENT_IP_RANGES, `must list at most ${MAX_CLIENT_IP_RANGES} ranges`)
  .transform((ranges) => [...new Set(ranges)])
  .describe(DESCRIPTION);

/** For clientFields (registration). */
export const ipAllowlistFields = { allowedIpRanges: ipRanges.default([]) };

/** For the update schema: a new list replaces the old one; [] removes the restriction. */
export const ipAllowlistUpdateFields = { allowedIpRanges: ipRanges.optional() };

/** For the response schema. */
export const ipAllowlistResponseFields = { allowedIpRanges: z.array(z.string()).describe(DESCRIPTION) };

/**
 * Rules: only a confidential client may have an allow-list. A public client runs on people's
 * devices, wherever they are, and proves nothing by naming its client_id: a list would only
 * look like protection.
 */
export function ipAllowlistRules(c: IpAllowlistRegistration & { type: 'confidential' | 'public' }, ctx: z.RefinementCtx): void {
  if (c.type === 'public' && c.allowedIpRanges?.length) {
    ctx.addIssue({
      code: 'custom',
      path: ['allowedIpRanges'],
      message: 'only a confidential client can be limited to IP ranges (a public client runs on users’ devices and does not authenticate)',
    });
  }
}

export function toIpAllowlistMetadata(c: IpAllowlistRegistration): Record<string, unknown> {
  return c.allowedIpRanges?.length ? { [ALLOWED_IP_RANGES_METADATA]: c.allowedIpRanges } : {};
}

export function fromIpAllowlistMetadata(m: Record<string, unknown>): { allowedIpRanges: string[] } {
  return { allowedIpRanges: allowedIpRangesOf(m[ALLOWED_IP_RANGES_METADATA]) };
}

/** The ranges a stored value holds (normalised again: a value that is not a range is dropped). */
export function allowedIpRangesOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value.map((v) => (typeof v === 'string' ? normaliseIpRange(v) : null)).filter((v): v is string => v !== null);
}
