import type { EventActor } from '../events/index.js';
import type { AdminRequest } from './admin-auth.guard.js';

export interface AdminEventContext {
  actor: EventActor;
  /** The request id (also in the logs and the X-Request-Id header), so audit and logs join up. */
  correlationId: string;
}

/**
 * Who performs an admin mutation, for the events it emits: a person signed in with MFA is an
 * `admin` actor (their user id); a machine admin is the `client` whose credentials got the token.
 */
export function adminEventContext(request: AdminRequest): AdminEventContext {
  const admin = request.admin;
  if (!admin) throw new Error('adminEventContext on a route without @AdminRoute');
  return {
    actor: admin.kind === 'user' ? { type: 'admin', id: admin.id } : { type: 'client', id: admin.clientId },
    correlationId: String(request.id),
  };
}
