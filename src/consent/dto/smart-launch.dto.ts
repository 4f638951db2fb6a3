import { z } from 'zod';
import { FHIR_ID, FHIR_USER } from '../smart-context.service.js';

const reference = z.string().regex(/^(?:https?:\/\/[^\s?#]+\/)?[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/, 'must be a FHIR reference, e.g. Observation/123');

/** A SMART 2.x fhirContext item: exactly one of reference, canonical or identifier. */
const fhirContextItem = z
  .strictObject({
    reference: reference.optional(),
    canonical: z.string().regex(/^https?:\/\/\S{1,500}$/, 'must be a canonical URL').optional(),
    identifier: z.strictObject({ system: z.string().max(500).optional(), value: z.string().min(1).max(200) }).optional(),
    type: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'must be a FHIR resource type').optional(),
    role: z.string().regex(/^\S{1,200}$/, 'must be a URI or token without spaces').optional(),
  })
  .refine((i) => [i.reference, i.canonical, i.identifier].filter((v) => v !== undefined).length === 1, {
    message: 'needs exactly one of reference, canonical or identifier',
  });

export const createLaunchSchema = z
  .strictObject({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'is not a client id').describe('the SMART app the launch is for'),
    fhirBase: z.url({ error: 'must be one of the FHIR base URLs of this server (FHIR_BASE_URLS)' }).describe('the FHIR server (the `iss` the EHR gives the app); one of FHIR_BASE_URLS'),
    patient: z.string().regex(FHIR_ID, 'must be a FHIR Patient id').describe('the Patient id open in the EHR'),
    encounter: z.string().regex(FHIR_ID, 'must be a FHIR Encounter id').optional(),
    fhirContext: z.array(fhirContextItem).max(20).default([]).describe('SMART 2.x fhirContext items'),
    intent: z.string().regex(/^[\x21-\x7E]{1,100}$/, 'must be a short token').optional(),
    needPatientBanner: z.boolean().optional(),
    smartStyleUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
    userId: z.uuid({ error: 'is not a user id' }).optional().describe('the local user the launch is for'),
    fhirUser: z.string().regex(FHIR_USER, 'must be a reference to a Practitioner, Patient, RelatedPerson or Person').optional().describe('or that user as fhirUser'),
  })
  .refine((b) => b.userId !== undefined || b.fhirUser !== undefined, { message: 'name the user the launch is for', path: ['userId'] });

export const launchResponseSchema = z.object({
  id: z.uuid(),
  launch: z.string().describe('the opaque, single-use launch value to hand the app (with iss); shown only here'),
  iss: z.string().describe('the FHIR base the app must use as aud'),
  clientId: z.string(),
  expiresAt: z.iso.datetime(),
});
