import { parse, type Filter } from 'scim2-parse-filter';
import type { DirectoryAttribute, DirectoryFilter } from '../identity/users-admin.module.js';
import { ScimError } from './scim.errors.js';

/** SCIM attribute paths (lower-cased) → the directory's attributes, per resource type. */
export const USER_FILTER_ATTRIBUTES: Readonly<Record<string, DirectoryAttribute>> = {
  id: 'id',
  username: 'email',
  externalid: 'externalId',
  emails: 'email',
  'emails.value': 'email',
  'emails.type': 'emailType',
  'name.givenname': 'givenName',
  'name.familyname': 'familyName',
};

export const GROUP_FILTER_ATTRIBUTES: Readonly<Record<string, DirectoryAttribute>> = {
  id: 'id',
  displayname: 'displayName',
  externalid: 'externalId',
  members: 'member',
  'members.value': 'member',
};

const MAX_FILTER_LENGTH = 2000;

/**
 * Rules (RFC 7644 §3.4.2.2): a filter that does not parse, names an attribute this resource
 * cannot be filtered on, or uses an operator other than eq, ne, co, sw, ew, pr (with and, or,
 * not, grouping and value paths such as emails[value eq "x"]) is a 400 invalidFilter naming
 * the fault. Attribute names are case-insensitive. Parsing is scim2-parse-filter's.
 */
export function parseScimFilter(text: string, attributes: Readonly<Record<string, DirectoryAttribute>>): DirectoryFilter {
  if (text.length > MAX_FILTER_LENGTH) throw invalid(`the filter is longer than ${MAX_FILTER_LENGTH} characters`);
  let ast: Filter;
  try {
    ast = parse(text);
  } catch (cause) {
    throw new ScimError(400, 'invalidFilter', `the filter is not valid SCIM filter syntax: ${text.slice(0, 200)}`, { cause });
  }
  return translate(ast, attributes, '');
}

function translate(ast: Filter, attributes: Readonly<Record<string, DirectoryAttribute>>, prefix: string): DirectoryFilter {
  switch (ast.op) {
    case 'and':
    case 'or':
      return { op: ast.op, filters: (ast as { filters: Filter[] }).filters.map((f) => translate(f, attributes, prefix)) };
    case 'not':
      return { op: 'not', filter: translate((ast as { filter: Filter }).filter, attributes, prefix) };
    case '[]': {
      const vp = ast as { attrPath: string; valFilter: Filter };
      return translate(vp.valFilter, attributes, `${prefix}${vp.attrPath}.`);
    }
    case 'pr':
      return { attr: attribute(`${prefix}${(ast as { attrPath: string }).attrPath}`, attributes), op: 'pr' };
    case 'eq':
    case 'ne':
    case 'co':
    case 'sw':
    case 'ew': {
      const cmp = ast as { attrPath: string; compValue: unknown };
      if (typeof cmp.compValue !== 'string') throw invalid(`${cmp.attrPath} compares with a string value only`);
      return { attr: attribute(`${prefix}${cmp.attrPath}`, attributes), op: ast.op, value: cmp.compValue };
    }
    default:
      throw invalid(`the operator "${ast.op}" is not supported (supported: eq, ne, co, sw, ew, pr, and, or, not)`);
  }
}

function attribute(path: string, attributes: Readonly<Record<string, DirectoryAttribute>>): DirectoryAttribute {
  const name = path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, '').toLowerCase();
  const attr = attributes[name];
  if (!attr) throw invalid(`the attribute "${path}" cannot be filtered on (filterable: ${Object.keys(attributes).join(', ')})`);
  return attr;
}

function invalid(detail: string): ScimError {
  return new ScimError(400, 'invalidFilter', detail);
}
