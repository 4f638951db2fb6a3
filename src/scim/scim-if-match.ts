import { parseIfMatch } from '../admin/index.js';
import { ScimError } from './scim.errors.js';

/**
 * If-Match on SCIM (RFC 7644 §3.14): optional; weak (W/"3") and strong ("3") tags of the
 * version are accepted; * or absent means any version; a tag of no current version is 412.
 */
export function scimIfMatch(header: string | string[] | undefined): number[] | undefined {
  const raw = (Array.isArray(header) ? header.join(',') : (header ?? '')).replace(/W\//g, '');
  const parsed = parseIfMatch(raw);
  if (parsed.kind !== 'versions') return undefined;
  if (!parsed.versions.length) throw new ScimError(412, undefined, 'If-Match names no version of this resource: GET it again and send its ETag');
  return parsed.versions;
}
