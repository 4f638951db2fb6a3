/** Events the admin module emits. */
export interface AdminEvents {
  /** A request to /admin from an address outside ADMIN_IP_ALLOWLIST was refused (before any authentication). */
  'admin.ip_refused': { ip: string; method: string; path: string };
  /** An authenticated administrator was refused (403): the route, the roles they hold and the reason they were given. */
  'admin.forbidden': { method: string; path: string; roles: string[]; reason: string };
}

// Adds these events to the bus's EventMap (declaration merging: events/ imports no module).
declare module '../events/event-map.js' {
  interface EventMap extends AdminEvents {}
}
