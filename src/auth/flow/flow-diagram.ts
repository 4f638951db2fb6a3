import { next } from './next.js';
import type { Factor, FlowClient, FlowPolicy, SignInState, Stage } from './sign-in-state.js';

/** What a person can do at each stage, as a change of the state (the steps' outcomes). */
const ACTIONS: Record<Stage, Array<{ label: string; apply: (s: SignInState) => SignInState }>> = {
  identify: [
    { label: 'password', apply: (s) => prove(s, 'pwd') },
    { label: 'upstream IdP', apply: (s) => prove(s, 'fed') },
    { label: 'upstream IdP with trusted MFA', apply: (s) => ({ ...prove(s, 'fed'), upstreamMfa: true }) },
    { label: 'emergency password and reason', apply: (s) => prove(s, 'emergency') },
  ],
  emergency_challenge: [
    { label: 'own TOTP or passkey', apply: (s) => prove(s, 'otp') },
    { label: 'wrong code', apply: (s) => ({ ...s, failures: s.failures + 1 }) },
  ],
  challenge: [
    { label: 'TOTP, passkey or recovery code', apply: (s) => prove(s, 'otp') },
    { label: 'wrong code', apply: (s) => ({ ...s, failures: s.failures + 1 }) },
  ],
  enrolment_code: [
    { label: 'enrolment code', apply: (s) => ({ ...s, enrolmentAllowed: true }) },
    { label: 'wrong code', apply: (s) => ({ ...s, failures: s.failures + 1 }) },
  ],
  enrol: [
    { label: 'factor enrolled and proven', apply: (s) => ({ ...prove(s, 'otp'), enrolled: true, hasFactor: true }) },
    { label: 'wrong code', apply: (s) => ({ ...s, failures: s.failures + 1 }) },
  ],
  recovery_codes: [{ label: 'Continue', apply: (s) => ({ ...s, recoveryCodesDone: true }) }],
  consent: [],
  finish: [],
  denied: [],
};

function prove(s: SignInState, f: Factor): SignInState {
  return { ...s, proven: [...new Set([...s.proven, f])] };
}

/** Every transition next() allows, found by walking from a fresh interaction under each policy the deployment can have. */
export function transitions(): Array<{ from: Stage; to: Stage; label: string }> {
  const seen = new Map<string, { from: Stage; to: Stage; label: string }>();
  for (const mfaRequired of [true, false]) {
    for (const hasFactor of [true, false]) {
      for (const enrolment of ['at-sign-in', 'invite-only'] as const) {
        for (const consentNeeded of [true, false]) {
          for (const enrolmentCodePending of [true, false]) {
            const policy: FlowPolicy = { mfaRequired, maxAttempts: 2, enrolment };
            const client: FlowClient = { consentNeeded };
            walk({ proven: [], hasFactor, enrolled: false, failures: 0, enrolmentCodePending }, policy, client, seen, 0);
          }
        }
      }
    }
  }
  const consent = [
    { from: 'consent' as const, to: 'finish' as const, label: 'Allow' },
    { from: 'consent' as const, to: 'denied' as const, label: 'Deny' },
  ];
  for (const t of consent) seen.set(`${t.from}|${t.to}|${t.label}`, t);
  return [...seen.values()].sort((a, b) => `${a.from}|${a.to}|${a.label}`.localeCompare(`${b.from}|${b.to}|${b.label}`));
}

function walk(s: SignInState, policy: FlowPolicy, client: FlowClient, seen: Map<string, { from: Stage; to: Stage; label: string }>, depth: number) {
  if (depth > 8) return;
  const from = next(s, policy, client).stage;
  for (const action of ACTIONS[from]) {
    const after = action.apply(s);
    const to = next(after, policy, client).stage;
    seen.set(`${from}|${to}|${action.label}`, { from, to, label: action.label });
    if (to !== from || after.failures !== s.failures) walk(after, policy, client, seen, depth + 1);
  }
}

/** The Mermaid state diagram of docs/sign-in.md, from next() itself. */
export function mermaid(): string {
  const lines = ['stateDiagram-v2', '    [*] --> identify'];
  for (const t of transitions()) lines.push(`    ${t.from} --> ${t.to}: ${t.label}`);
  lines.push('    finish --> [*]', '    denied --> [*]');
  return lines.join('\n');
}
