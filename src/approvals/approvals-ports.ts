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

export const DUAL_CONTROL_SWITCH = Symbol('DUAL_CONTROL_SWITCH');
export const APPROVAL_SECRET_SOURCE = Symbol('APPROVAL_SECRET_SOURCE');
