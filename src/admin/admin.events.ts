/** Events the admin module emits. */
export interface AdminEvents {
  /** A request to /admin from an address outside ADMIN_IP_ALLOWLIST was refused (before any authentication). */
  'admin.ip_refused': { ip: string; method: string; path: string };
}
