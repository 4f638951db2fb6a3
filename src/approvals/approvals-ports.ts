/**
 * What approvals needs from policies and keys, as injection tokens approvals.module.ts binds
 * (the files controllers reach through approvals/index.ts never import those modules: the
 * policies and keys admin controllers import approvals, and an ES module cycle would leave a
 * class uninitialised when a decorator reads it).
 */
export interface DualControlSwitch {
  /** Whether the dualControl runtime policy is on now (read fresh, not from a cache). */
  dualControlOn(): Promise<boolean>;
}

export interface ApprovalSecretSource {
  /** A 32-byte server secret, sealed at rest under the KEK, that seals stored acts. */
  sealingKey(): Promise<Buffer>;
}

/** A principal holding super-admin now, with a mark that changes whenever its credentials do. */
export interface SuperAdminHolder {
  /** As in the audit trail's actor: `admin` (a person, their user id) or `client` (its client id). */
  type: 'admin' | 'client';
  id: string;
  /** A person's version (moves on every password, MFA or enrolment change); a client's secret and keys. */
  credentials: string;
}

export interface ApproverDirectory {
  /**
   * Everyone who holds super-admin now: active people holding it directly or through a group,
   * and enabled clients registered for admin:super-admin (read fresh, not from a cache).
   */
  superAdmins(): Promise<SuperAdminHolder[]>;
}

export const APPROVER_DIRECTORY = Symbol('APPROVER_DIRECTORY');
export const DUAL_CONTROL_SWITCH = Symbol('DUAL_CONTROL_SWITCH');
export const APPROVAL_SECRET_SOURCE = Symbol('APPROVAL_SECRET_SOURCE');
