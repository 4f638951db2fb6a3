/**
 * The module borders of src/ (issue #18), checked by `npm run check:architecture` and .ci/run.
 * docs/architecture.md is the same map in words; change both together.
 *
 * Only value imports count: the cruise reads each file as TypeScript emits it
 * (tsPreCompilationDeps: false), so `import type` and imports used only as types are left out.
 * A type crosses no border at run time and creates no load-order cycle.
 * There is no exception list: every arrow below holds everywhere in src/ (the check refuses a
 * `knownViolations` entry). Where a module needs something from one it may not import, it
 * declares a port (an injection token and an interface) that src/app/ binds.
 */
const KIT = ['config', 'database', 'events', 'common', 'logging', 'ui', 'hardening', 'health', 'outbound', 'admin'];
const DOMAIN = ['identity', 'clients', 'keys', 'mfa', 'policies', 'consent', 'breakglass', 'federation', 'compliance', 'webhooks', 'scim', 'audit', 'approvals', 'setup'];
// Not listed: the composition root, and the edges: auth/ and oidc/ (the protocol), account/, admin-console/ and home/ (pages on top of both).
const any = (names) => `^src/(${names.join('|')})/`;

/**
 * A module of src/ is a folder directly under it; the files directly in src/ and src/app/ are
 * the composition root. Besides these arrows, scripts/check-architecture.mjs refuses any cycle
 * between modules (rule `no-module-cycle`): two modules that import each other, directly or
 * round a longer loop, are one room with two doors; cut the loop with a port or an event.
 */
const forbidden = [
  {
    name: 'no-import-of-composition-root',
    severity: 'error',
    comment: 'Only the composition root (src/*.ts, src/app/) knows every module; nothing below it imports it.',
    from: { path: '^src/[^/]+/', pathNot: '^src/app/' },
    to: { path: ['^src/[^/]+\\.ts$', '^src/app/'] },
  },
  {
    name: 'domain-not-to-oidc',
    severity: 'error',
    comment: 'oidc/ asks the domain through ports it declares (bound in src/app/); a domain module never reaches into oidc/.',
    from: { path: any(DOMAIN) },
    to: { path: '^src/oidc/' },
  },
  {
    name: 'kit-not-to-domain',
    severity: 'error',
    comment: 'The infrastructure kit (database, events, config, admin kit, ...) sits below every domain module and imports none of them, nor oidc/ or auth/.',
    from: { path: any(KIT) },
    to: { path: [any(DOMAIN), '^src/(oidc|auth)/'] },
  },
  {
    name: 'steps-not-to-dispatcher',
    severity: 'error',
    comment: 'A sign-in step returns an outcome; only the dispatcher (src/auth/flow) decides what comes next, so no step imports it.',
    from: { path: ['\\.step\\.ts$', any(DOMAIN)] },
    to: { path: '^src/auth/flow/' },
  },
  {
    severity: 'error',
    comment: 'audit/ listens to every event and asks for anything else (signing, mappings) through ports it declares; it imports no other module but the kit.',
    from: { path: '^src/audit/' },
    to: { path: '^src/', pathNot: ['^src/audit/', any(KIT)] },
  },
];

module.exports = {
  forbidden,
  options: {
    includeOnly: '^src/',
    exclude: { path: '\\.spec\\.ts$' },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: false,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
