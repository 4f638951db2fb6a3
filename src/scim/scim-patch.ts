import { patchBodyValidation, scimPatch, type ScimPatchOperation, type ScimResource } from 'scim-patch';
import { PATCH_SCHEMA } from './scim-resources.js';
import { ScimError } from './scim.errors.js';

const READ_ONLY = /^(id|meta|groups)(\.|\[|$)/i;
const MAX_OPERATIONS = 1000;

/**
 * Applies an RFC 7644 §3.5.2 PatchOp to a resource (scim-patch does the work) and returns the
 * patched copy. Rules, for what Entra ID sends besides the RFC's own forms: `op` in any case
 * ("Replace", "Add"); a path-less add/replace whose value is an object is one operation per
 * key (so {"active": "False"} or {"name.givenName": "x"} work); a remove with a list of
 * `{ value }` removes the items with those values, whatever else they carry; a path on id, meta or groups
 * is 400 mutability; a malformed body is 400 invalidSyntax; a path that matches nothing on
 * remove is 400 noTarget; other faults 400 invalidPath / invalidValue.
 */
export function applyPatch<T extends object>(resource: T, body: unknown): T {
  const operations = normalise(body);
  try {
    patchBodyValidation({ schemas: [PATCH_SCHEMA], Operations: operations } as never);
    return scimPatch(structuredClone(resource) as unknown as ScimResource, operations, { mutateDocument: true, treatMissingAsAdd: true }) as unknown as T;
  } catch (cause) {
    if (cause instanceof ScimError) throw cause;
    const name = (cause as Error)?.constructor?.name ?? '';
    const detail = `the patch cannot be applied: ${(cause as Error)?.message ?? 'invalid operation'}`;
    if (name === 'NoTarget') throw new ScimError(400, 'noTarget', detail, { cause });
    if (name === 'InvalidScimPatchRequest') throw new ScimError(400, 'invalidSyntax', detail, { cause });
    if (name === 'NoPathInScimPatchOp' || name === 'InvalidScimPatchOp') throw new ScimError(400, 'invalidPath', detail, { cause });
    throw new ScimError(400, 'invalidValue', detail, { cause });
  }
}

function normalise(body: unknown): ScimPatchOperation[] {
  const b = body as { schemas?: unknown; Operations?: unknown } | null;
  if (!b || typeof b !== 'object' || !Array.isArray(b.schemas) || !b.schemas.includes(PATCH_SCHEMA)) {
    throw new ScimError(400, 'invalidSyntax', `a PATCH body has schemas ["${PATCH_SCHEMA}"] and Operations`);
  }
  if (!Array.isArray(b.Operations) || !b.Operations.length) throw new ScimError(400, 'invalidSyntax', 'Operations must be a non-empty list');
  if (b.Operations.length > MAX_OPERATIONS) throw new ScimError(400, 'tooMany', `at most ${MAX_OPERATIONS} operations per PATCH`);
  const out: ScimPatchOperation[] = [];
  for (const raw of b.Operations as unknown[]) {
    if (!raw || typeof raw !== 'object') throw new ScimError(400, 'invalidSyntax', 'each operation must be an object');
    const op = String((raw as { op?: unknown }).op ?? '').toLowerCase();
    const path = (raw as { path?: unknown }).path;
    const value = (raw as { value?: unknown }).value;
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw new ScimError(400, 'invalidSyntax', `op must be add, replace or remove (not ${JSON.stringify(op)})`);
    if (path !== undefined && typeof path !== 'string') throw new ScimError(400, 'invalidPath', 'path must be a string');
    if (path === undefined && op !== 'remove' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, v] of Object.entries(value)) out.push(checked({ op, path: key, value: v } as ScimPatchOperation));
      continue;
    }
    if (op === 'remove' && typeof path === 'string' && /^[A-Za-z$][\w$-]*$/.test(path) && Array.isArray(value)) {
      for (const item of value) out.push(checked({ op, path: `${path}[value eq ${JSON.stringify(valueOf(item))}]` }));
      continue;
    }
    out.push(checked({ op, ...(path !== undefined ? { path } : {}), ...(value !== undefined ? { value } : {}) } as ScimPatchOperation));
  }
  return out;
}

function checked(op: ScimPatchOperation): ScimPatchOperation {
  const path = (op as { path?: string }).path;
  if (path && READ_ONLY.test(path.replace(/^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i, ''))) {
    throw new ScimError(400, 'mutability', `${path} is read-only`);
  }
  return op;
}

function valueOf(item: unknown): string {
  const value = typeof item === 'object' && item !== null ? (item as { value?: unknown }).value : item;
  if (typeof value !== 'string') throw new ScimError(400, 'invalidValue', 'a remove with a value list names each item by its value');
  return value;
}
