/**
 * The HIPAA technical safeguards (45 CFR 164.312) judged from live evidence. Pure: the service
 * gathers the evidence, these functions decide met / attention / not_met and say why.
 */
export type PostureStatus = 'met' | 'attention' | 'not_met';

export interface PostureLine {
  id: string;
  safeguard: string;
  citation: string;
  status: PostureStatus;
  reason: string;
  evidence: Record<string, unknown>;
}

export interface PostureEvidence {
  now: Date;
  issuer: string;
  users: { active: number; withMfa: number; requiredWithoutMfa: Array<{ id: string; email: string }>; designatedBreakGlass: number; designatedWithFactor: number };
  signIns30d: { total: number; withMfa: number };
  mfa: { policy: 'required' | 'optional'; alwaysRoles: string[]; weakerThanPasskeyRoles: string[]; enrolment: 'at-sign-in' | 'invite-only' };
  session: { idleSeconds: number; absoluteSeconds: number };
  tokens: { accessToken: number; idToken: number; refreshIdle: number; refreshAbsolute: number; authorizationCode: number };
  breakGlass: { role: string; sessionSeconds: number; unreviewed: number; oldestUnreviewed: Date | null };
  keys: { kekSource: 'environment' | 'generated-file'; active: Array<{ kid: string; alg: string; activatedAt: Date | null }>; rotationIntervalSeconds: number };
  audit: { verified: boolean; recordsChecked: number; firstBrokenSeq: number | null; lastCheckpoint: { id: string; seq: number; createdAt: Date } | null; retentionYears: number; checkpointIntervalMinutes: number };
  weakened: string[];
  /** Dual control of high-risk admin acts, and how many active people hold super-admin. */
  admin: { dualControl: boolean; superAdmins: number };
}

const DAY = 86_400_000;
const pct = (n: number, d: number) => (d === 0 ? 100 : Math.round((n / d) * 1000) / 10);

export function postureLines(e: PostureEvidence): PostureLine[] {
  return [
    uniqueIdentification(e),
    emergencyAccess(e),
    automaticLogoff(e),
    tokenLifetimes(e),
    encryption(e),
    auditControls(e),
    integrity(e),
    authentication(e),
    phishingResistance(e),
    firstFactorEnrolment(e),
    transmission(e),
    weakenedDefaults(e),
    dualControl(e),
  ];
}

/**
 * Rules: dual control on is met; off with two or more people holding super-admin is attention
 * (a second pair of eyes exists but high-risk acts do not wait for it); off with fewer is met
 * (nobody could approve).
 */
function dualControl(e: PostureEvidence): PostureLine {
  const base = { id: 'dual-control', safeguard: 'Access control (dual control of high-risk acts)', citation: '164.312(a)(1)', evidence: { ...e.admin } };
  if (e.admin.dualControl) return { ...base, status: 'met', reason: 'Key import and revocation, KEK rotation, grants of super-admin, key-admin or break-glass, credential resets of protected-role holders, identity providers mapping to protected roles and MFA weakening wait for a second super-admin who held the role before the request.' };
  if (e.admin.superAdmins >= 2) {
    return { ...base, status: 'attention', reason: `${e.admin.superAdmins} people hold super-admin but dual control is off: one of them alone can import keys, grant admin roles or weaken MFA.` };
  }
  return { ...base, status: 'met', reason: 'Dual control is off; fewer than two people hold super-admin, so no second approver exists.' };
}

/** Rules: every person signs in as themselves (one account per email); no active users at all is worth a look. */
function uniqueIdentification(e: PostureEvidence): PostureLine {
  const base = { id: 'unique-user-identification', safeguard: 'Unique user identification', citation: '164.312(a)(2)(i)', evidence: { activeUsers: e.users.active } };
  if (e.users.active === 0) return { ...base, status: 'attention', reason: 'No active user accounts yet.' };
  return { ...base, status: 'met', reason: `${e.users.active} active users, each with a unique identifier and email; machine access uses separate client identities.` };
}

/** Rules: someone must be able to break the glass (designated, with a factor); every emergency session must be reviewed within 7 days. */
function emergencyAccess(e: PostureEvidence): PostureLine {
  const b = e.breakGlass;
  const evidence = { role: b.role, sessionMinutes: b.sessionSeconds / 60, designatedUsers: e.users.designatedBreakGlass, designatedWithFactor: e.users.designatedWithFactor, unreviewedSessions: b.unreviewed, oldestUnreviewed: b.oldestUnreviewed };
  const base = { id: 'emergency-access', safeguard: 'Emergency access procedure', citation: '164.312(a)(2)(ii)', evidence };
  if (b.oldestUnreviewed && e.now.getTime() - b.oldestUnreviewed.getTime() > 7 * DAY) {
    return { ...base, status: 'not_met', reason: `${b.unreviewed} emergency sessions unreviewed, the oldest for more than 7 days.` };
  }
  if (b.unreviewed > 0) return { ...base, status: 'attention', reason: `${b.unreviewed} emergency sessions await review.` };
  if (e.users.designatedWithFactor === 0) return { ...base, status: 'attention', reason: `No active user holds the "${b.role}" role with a second factor: nobody can use emergency access.` };
  return { ...base, status: 'met', reason: `${e.users.designatedWithFactor} designated users can start a ${b.sessionSeconds / 60}-minute emergency session; none awaits review.` };
}

/** Rules: idle logoff at most 15 minutes is met, at most 30 attention, longer not met; an absolute end beyond 12 hours is attention. */
function automaticLogoff(e: PostureEvidence): PostureLine {
  const { idleSeconds, absoluteSeconds } = e.session;
  const base = { id: 'automatic-logoff', safeguard: 'Automatic logoff', citation: '164.312(a)(2)(iii)', evidence: { idleSeconds, absoluteSeconds } };
  if (idleSeconds > 1800) return { ...base, status: 'not_met', reason: `Sessions end after ${idleSeconds / 60} idle minutes; HIPAA-minded practice is 15.` };
  if (idleSeconds > 900) return { ...base, status: 'attention', reason: `Idle logoff is ${idleSeconds / 60} minutes, longer than the 15-minute default.` };
  if (absoluteSeconds > 12 * 3600) return { ...base, status: 'attention', reason: `Sessions may last ${absoluteSeconds / 3600} hours in all.` };
  return { ...base, status: 'met', reason: `Idle logoff after ${idleSeconds / 60} minutes, absolute end after ${absoluteSeconds / 3600} hours.` };
}

/** Rules: access and ID tokens of at most 10 minutes are met, at most 1 hour attention. */
function tokenLifetimes(e: PostureEvidence): PostureLine {
  const longest = Math.max(e.tokens.accessToken, e.tokens.idToken);
  const base = { id: 'token-lifetimes', safeguard: 'Automatic logoff', citation: '164.312(a)(2)(iii)', evidence: { ...e.tokens } };
  if (longest > 600) return { ...base, status: 'attention', reason: `Tokens live up to ${longest / 60} minutes (default 10).` };
  return { ...base, status: 'met', reason: `Access and ID tokens live ${longest / 60} minutes; refresh tokens rotate, idle ${e.tokens.refreshIdle / 60} minutes.` };
}

/** Rules: keys at rest sealed under a KEK from a real secret (environment/KMS) is met; a generated file beside the data is attention. */
function encryption(e: PostureEvidence): PostureLine {
  const base = { id: 'encryption', safeguard: 'Encryption and decryption', citation: '164.312(a)(2)(iv)', evidence: { kekSource: e.keys.kekSource, algorithm: 'AES-256-GCM' } };
  if (e.keys.kekSource !== 'environment') return { ...base, status: 'attention', reason: 'The key-encryption key was generated into the data directory: it sits beside what it protects.' };
  return { ...base, status: 'met', reason: 'Private keys and secrets are sealed with AES-256-GCM under a key-encryption key from the environment.' };
}

/** Rules: the chain must verify and be checkpointed recently (three intervals); retention at least 6 years. */
function auditControls(e: PostureEvidence): PostureLine {
  const a = e.audit;
  const evidence = { verified: a.verified, recordsChecked: a.recordsChecked, firstBrokenSeq: a.firstBrokenSeq, lastCheckpoint: a.lastCheckpoint, retentionYears: a.retentionYears };
  const base = { id: 'audit-controls', safeguard: 'Audit controls', citation: '164.312(b)', evidence };
  if (!a.verified) return { ...base, status: 'not_met', reason: `The audit chain does not verify (first broken record ${a.firstBrokenSeq}).` };
  if (a.retentionYears < 6) return { ...base, status: 'not_met', reason: `Audit records are kept ${a.retentionYears} years; HIPAA documentation needs 6.` };
  const stale = !a.lastCheckpoint || e.now.getTime() - a.lastCheckpoint.createdAt.getTime() > 3 * a.checkpointIntervalMinutes * 60_000;
  if (stale) return { ...base, status: 'attention', reason: 'The chain verifies, but no signed checkpoint was made recently.' };
  return { ...base, status: 'met', reason: `${a.recordsChecked} records verified; last checkpoint at record ${a.lastCheckpoint!.seq}; kept ${a.retentionYears} years.` };
}

/** Rules: every active signing key is younger than the rotation interval (rotation runs); overdue is not met. */
function integrity(e: PostureEvidence): PostureLine {
  const keys = e.keys.active.map((k) => {
    const activatedAt = k.activatedAt ?? e.now;
    return {
      kid: k.kid,
      alg: k.alg,
      ageDays: Math.floor((e.now.getTime() - activatedAt.getTime()) / DAY),
      nextRotation: new Date(activatedAt.getTime() + e.keys.rotationIntervalSeconds * 1000),
    };
  });
  const base = { id: 'integrity', safeguard: 'Integrity', citation: '164.312(c)(1)', evidence: { activeKeys: keys, rotationIntervalDays: e.keys.rotationIntervalSeconds / 86400 } };
  const overdue = keys.filter((k) => k.nextRotation.getTime() < e.now.getTime());
  if (keys.length === 0) return { ...base, status: 'not_met', reason: 'No active signing key.' };
  if (overdue.length) return { ...base, status: 'not_met', reason: `Signing key ${overdue.map((k) => k.kid).join(', ')} is past its rotation date: rotation is not running.` };
  return { ...base, status: 'met', reason: `Tokens and audit checkpoints are signed; the oldest active key is ${Math.max(...keys.map((k) => k.ageDays))} days old, rotated every ${e.keys.rotationIntervalSeconds / 86400} days.` };
}

/**
 * Rules: MFA policy `optional` is not met; users whom policy requires to use MFA but who have
 * no factor, or fewer than 95% of sign-ins with a second factor in 30 days, are attention.
 */
function authentication(e: PostureEvidence): PostureLine {
  const evidence = {
    policy: e.mfa.policy,
    alwaysRoles: e.mfa.alwaysRoles,
    activeUsersWithMfaPercent: pct(e.users.withMfa, e.users.active),
    signIns30d: e.signIns30d.total,
    signInsWithMfaPercent: pct(e.signIns30d.withMfa, e.signIns30d.total),
    requiredButNotEnrolled: e.users.requiredWithoutMfa,
  };
  const base = { id: 'person-or-entity-authentication', safeguard: 'Person or entity authentication', citation: '164.312(d)', evidence };
  if (e.mfa.policy !== 'required') return { ...base, status: 'not_met', reason: 'MFA_POLICY is optional: users may sign in with a password alone.' };
  if (e.users.requiredWithoutMfa.length) return { ...base, status: 'attention', reason: `${e.users.requiredWithoutMfa.length} users must use MFA and have not enrolled a factor (they enrol at their next sign-in).` };
  if (evidence.signInsWithMfaPercent < 95) return { ...base, status: 'attention', reason: `Only ${evidence.signInsWithMfaPercent}% of sign-ins in 30 days used a second factor.` };
  return { ...base, status: 'met', reason: `MFA required; ${evidence.activeUsersWithMfaPercent}% of active users enrolled; ${evidence.signInsWithMfaPercent}% of sign-ins used it.` };
}

/**
 * Rules: MFA_ENROLMENT=invite-only (a first factor only with an administrator's enrolment code or after a setup link)
 * is met; at-sign-in is attention, since whoever holds the password of a user without a factor
 * enrols one of their own.
 */
function firstFactorEnrolment(e: PostureEvidence): PostureLine {
  const base = { id: 'mfa-enrolment', safeguard: 'Person or entity authentication', citation: '164.312(d)', evidence: { enrolment: e.mfa.enrolment } };
  if (e.mfa.enrolment === 'at-sign-in') {
    return { ...base, status: 'attention', reason: 'MFA_ENROLMENT is at-sign-in: whoever holds the password of a user without a second factor enrols one.' };
  }
  return { ...base, status: 'met', reason: 'MFA_ENROLMENT is invite-only: a first second factor needs an enrolment code an administrator issued, or a password set through an invitation or reset link.' };
}

/** Rules: roles that may satisfy MFA with a factor weaker than a passkey (TOTP, recovery codes) are listed for attention. */
function phishingResistance(e: PostureEvidence): PostureLine {
  const base = { id: 'phishing-resistant-mfa', safeguard: 'Person or entity authentication', citation: '164.312(d)', evidence: { weakerThanPasskeyRoles: e.mfa.weakerThanPasskeyRoles } };
  if (e.mfa.weakerThanPasskeyRoles.length) return { ...base, status: 'attention', reason: `These roles may use TOTP or recovery codes instead of a passkey: ${e.mfa.weakerThanPasskeyRoles.join(', ')}.` };
  return { ...base, status: 'met', reason: 'Every role requires a passkey.' };
}

/** Rules: an https issuer (Secure cookies, HSTS from the HTTP layer) is met; http is not met. */
function transmission(e: PostureEvidence): PostureLine {
  const https = e.issuer.startsWith('https://');
  const base = { id: 'transmission-security', safeguard: 'Transmission security', citation: '164.312(e)(1)', evidence: { issuer: e.issuer, https, hsts: https } };
  if (!https) return { ...base, status: 'not_met', reason: 'The issuer is not https: cookies are not Secure and HSTS is off.' };
  return { ...base, status: 'met', reason: 'The issuer is https; cookies are Secure and __Host- bound; HSTS is sent.' };
}

function weakenedDefaults(e: PostureEvidence): PostureLine {
  const base = { id: 'weakened-defaults', safeguard: 'Configuration', citation: '164.312', evidence: { weakened: e.weakened } };
  if (e.weakened.length) return { ...base, status: 'attention', reason: `${e.weakened.length} settings weaken a HIPAA-minded default.` };
  return { ...base, status: 'met', reason: 'No setting weakens a default.' };
}

export function summarise(lines: PostureLine[]) {
  return {
    met: lines.filter((l) => l.status === 'met').length,
    attention: lines.filter((l) => l.status === 'attention').length,
    notMet: lines.filter((l) => l.status === 'not_met').length,
  };
}
