import type { MfaEvents } from './mfa.events.js';
import type { MappingsFor } from '../audit/index.js';

const user = (p: { userId: string }) => ({ type: 'user', id: p.userId });

export const mfaMappings: MappingsFor<MfaEvents> = {
  'mfa.enrolled': { category: 'user-administration', action: 'C', subject: user },
  'mfa.removed': { category: 'user-administration', action: 'D', subject: user },
  'mfa.reset': { category: 'user-administration', action: 'D', subject: user },
  'mfa.recovery_codes.generated': { category: 'user-administration', action: 'C', subject: user },
  // A second factor is presented by the person signing in: they are the actor.
  'mfa.challenge.succeeded': { category: 'login', action: 'E', actor: user, subject: user },
  'mfa.challenge.failed': { category: 'login', action: 'E', outcome: () => 'failure', actor: user, subject: user },
  'mfa.enrolment_code.issued': { category: 'user-administration', action: 'C', subject: user },
  'mfa.enrolment_code.used': { category: 'login', action: 'E', actor: user, subject: user },
  'mfa.enrolment_code.refused': { category: 'login', action: 'E', outcome: () => 'failure', actor: user, subject: user },
  'mfa.enrolment_allowance.granted': { category: 'user-administration', action: 'C', actor: user, subject: user },
  'mfa.enrolment_allowance.used': { category: 'login', action: 'E', actor: user, subject: user },
  'mfa.enrolment_allowance.refused': { category: 'login', action: 'E', outcome: () => 'failure', actor: user, subject: user },
  'mfa.recovery_code.used': { category: 'login', action: 'E', actor: user, subject: user },
  'mfa.protected_role_credentials_voided': { category: 'user-administration', action: 'D', subject: user },
  'mfa.locked': { category: 'login', action: 'E', outcome: () => 'failure', actor: user, subject: user },
};
