/** Events the consent module emits. Scope lists are scope names only; no token or code is ever carried. */
export interface ConsentEvents {
  /**
   * A user allowed an app (`via: consent_page`), or a trusted first-party app skipped the page
   * (`via: first_party`, the audit record of that skip). `scopes` is everything now granted.
   */
  'consent.granted': {
    grantId: string;
    userId: string;
    clientId: string;
    scopes: string[];
    expiresAt: string;
    via: 'consent_page' | 'first_party';
    patientId: string | null;
  };
  /** A user refused what an app asked for on the consent page. */
  'consent.denied': { userId: string; clientId: string; scopes: string[] };
  /**
   * A grant was taken back: every provider grant under it (and so every token and code) is gone,
   * and apps registered for back-channel logout were told (`notified` of them).
   */
  'consent.revoked': {
    grantId: string;
    userId: string;
    clientId: string;
    scopes: string[];
    by: 'user' | 'admin';
    providerGrants: number;
    notified: number;
  };
  /** A request asked for more than the client's ceiling and was narrowed (never widened). */
  'scopes.narrowed': { clientId: string; endpoint: string; requested: string[]; granted: string[]; removed: string[] };
  /** An administrator marked an app first-party (skips the consent page) or third-party. */
  'consent.client_policy.updated': { clientId: string; before: { firstParty: boolean }; after: { firstParty: boolean } };
  /** An administrator defined or changed a custom scope's consent-page description. */
  'consent.scope.saved': { name: string; group: string; description: string; created: boolean };
  'consent.scope.deleted': { name: string };
  /** An administrator set a user's SMART context: their fhirUser and the patients they may open. */
  'smart.user_context.updated': { userId: string; fhirUser: string | null; patientIds: string[] };
  /** An EHR created a SMART launch context for an app (the launch value itself is never carried). */
  'smart.launch.created': {
    launchId: string;
    clientId: string;
    fhirBase: string;
    patientId: string;
    encounterId: string | null;
    userId: string | null;
    fhirUser: string | null;
    expiresAt: string;
  };
  /** An app's authorization request used a launch (once, ever): its context is bound to that sign-in. */
  'smart.launch.used': { launchId: string; clientId: string; patientId: string; encounterId: string | null };
  /**
   * A launch was refused: at /authorize (unknown, expired, used, another client's, another FHIR
   * server, launch without the launch scope, EHR launch disabled) or at sign-in (another user).
   */
  'smart.launch.refused': {
    launchId: string | null;
    clientId: string;
    reason: 'unknown' | 'expired' | 'used' | 'other_client' | 'other_fhir_base' | 'scope_mismatch' | 'disabled' | 'other_user';
    userId: string | null;
  };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends ConsentEvents {}
}
