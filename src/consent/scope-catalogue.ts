import { ADMIN_SCOPES } from '../admin/index.js';
import { parseScope, type ClinicalScope } from './smart-scopes.js';

/**
 * What each scope means to the person asked to consent: a group and a plain-language sentence.
 * Built-in entries cover OpenID Connect and SMART App Launch; administrators add their own
 * (custom scopes of their APIs); SMART clinical scopes are described from their parts.
 */
export const SCOPE_GROUPS = ['identity', 'read', 'write', 'offline', 'other'] as const;
export type ScopeGroup = (typeof SCOPE_GROUPS)[number];

export const GROUP_LABELS: Record<ScopeGroup, string> = {
  identity: 'Who you are',
  read: 'Read your clinical data',
  write: 'Change your clinical data',
  offline: 'Stay connected',
  other: 'Other access',
};

export interface ScopeDefinition {
  name: string;
  group: ScopeGroup;
  description: string;
  /** Built in (OpenID Connect, SMART) or defined by an administrator. */
  source: 'oidc' | 'smart' | 'custom';
}

export const BUILT_IN_SCOPES: readonly ScopeDefinition[] = [
  { name: 'openid', group: 'identity', source: 'oidc', description: 'Know that it is you who signed in' },
  { name: 'profile', group: 'identity', source: 'oidc', description: 'See your name' },
  { name: 'email', group: 'identity', source: 'oidc', description: 'See your email address' },
  { name: 'roles', group: 'identity', source: 'oidc', description: 'See your roles in this organisation' },
  { name: 'groups', group: 'identity', source: 'oidc', description: 'See which groups (departments, teams) you belong to' },
  { name: 'fhirUser', group: 'identity', source: 'smart', description: 'See which person you are in the health record (your patient or staff record)' },
  { name: 'launch/patient', group: 'identity', source: 'smart', description: 'Know which patient record you open with it' },
  { name: 'launch/encounter', group: 'identity', source: 'smart', description: 'Know which visit you open with it' },
  { name: 'launch', group: 'identity', source: 'smart', description: 'Receive what you have open in the health record system when it starts the app' },
  { name: 'offline_access', group: 'offline', source: 'oidc', description: 'Keep its access when you are not using it, until you take it back' },
  { name: 'online_access', group: 'offline', source: 'smart', description: 'Keep its access while you stay signed in' },
];

const BUILT_IN = new Map(BUILT_IN_SCOPES.map((d) => [d.name, d]));

/** Plain words for the FHIR resource types people meet most; others are shown by their FHIR name. */
const RESOURCE_WORDS: Record<string, string> = {
  '*': 'all health records',
  AllergyIntolerance: 'allergies',
  Appointment: 'appointments',
  CarePlan: 'care plans',
  CareTeam: 'care teams',
  Condition: 'health problems and diagnoses',
  Coverage: 'insurance coverage',
  Device: 'medical devices',
  DiagnosticReport: 'test and imaging reports',
  DocumentReference: 'clinical documents',
  Encounter: 'visits and admissions',
  Goal: 'health goals',
  Immunization: 'immunisations',
  Location: 'locations',
  Medication: 'medicines',
  MedicationDispense: 'dispensed medicines',
  MedicationRequest: 'prescriptions',
  MedicationStatement: 'medicines taken',
  Observation: 'lab results, vital signs and other observations',
  Organization: 'organisations',
  Patient: 'demographics (name, birth date, contact details)',
  Practitioner: 'clinician details',
  PractitionerRole: 'clinician roles',
  Procedure: 'procedures',
  Provenance: 'record history',
  RelatedPerson: 'related people',
  ServiceRequest: 'orders and referrals',
};

const CONTEXT_WORDS: Record<ClinicalScope['context'], string> = {
  patient: 'in the patient record you open',
  user: 'that you are allowed to see',
  system: 'across the whole system',
};

export interface DescribedScope {
  scope: string;
  group: ScopeGroup;
  text: string;
}

/**
 * The sentences for one scope (a clinical scope with read and write permissions yields one
 * for each group). Unknown tokens are shown as they are, so nothing asked is hidden.
 */
export function describeScope(token: string, custom: ReadonlyMap<string, Omit<ScopeDefinition, 'name' | 'source'>> = new Map()): DescribedScope[] {
  // The admin API's scopes say what they are, whatever a catalogue entry stored earlier said.
  if ((ADMIN_SCOPES as readonly string[]).includes(token)) {
    return [{ scope: token, group: 'other', text: `Administer this identity service with the ${token.slice('admin:'.length)} role` }];
  }
  const known = BUILT_IN.get(token) ?? custom.get(token);
  if (known) return [{ scope: token, group: known.group, text: known.description }];
  const parsed = parseScope(token);
  if (parsed.kind !== 'clinical') return [{ scope: token, group: 'other', text: `Access named “${token}”` }];
  const what = `${RESOURCE_WORDS[parsed.resource] ?? parsed.resource} ${CONTEXT_WORDS[parsed.context]}${constraintWords(parsed)}`;
  const out: DescribedScope[] = [];
  const read = verbs(parsed.permissions, { r: 'see', s: 'search' });
  const write = verbs(parsed.permissions, { c: 'add', u: 'change', d: 'delete' });
  if (read) out.push({ scope: token, group: 'read', text: `${capitalise(read)} ${what}` });
  if (write) out.push({ scope: token, group: 'write', text: `${capitalise(write)} ${what}` });
  return out;
}

function verbs(permissions: string, words: Record<string, string>): string {
  const list = [...permissions].map((p) => words[p]).filter(Boolean) as string[];
  if (list.length <= 1) return list.join('');
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

function constraintWords(s: ClinicalScope): string {
  if (!s.query.length) return '';
  const parts = s.query.map(([name, value]) => `${name} is ${readableValue(value)}`);
  return ` (only where ${parts.join(' and ')})`;
}

/** `http://terminology.hl7.org/CodeSystem/observation-category|laboratory` reads as `laboratory`. */
function readableValue(value: string): string {
  let decoded = value;
  try {
    decoded = decodeURIComponent(value);
  } catch {
    // keep it as written
  }
  return decoded.includes('|') ? decoded.slice(decoded.lastIndexOf('|') + 1) || decoded : decoded;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export interface ScopeGroupView {
  group: ScopeGroup;
  label: string;
  items: DescribedScope[];
}

/** Scopes described and grouped in the order of SCOPE_GROUPS; empty groups are left out. */
export function groupScopes(tokens: readonly string[], custom?: ReadonlyMap<string, Omit<ScopeDefinition, 'name' | 'source'>>): ScopeGroupView[] {
  const items = [...new Set(tokens)].flatMap((t) => describeScope(t, custom));
  return SCOPE_GROUPS.map((group) => ({ group, label: GROUP_LABELS[group], items: items.filter((i) => i.group === group) })).filter(
    (g) => g.items.length > 0,
  );
}

/**
 * Names an administrator may not define: built-in scopes, anything SMART would parse, and the
 * admin: prefix in any case (the admin API's scopes, and their lookalikes, describe themselves).
 */
export function isReservedScopeName(name: string): boolean {
  return BUILT_IN.has(name) || parseScope(name).kind !== 'other' || name.toLowerCase().startsWith('admin:');
}
