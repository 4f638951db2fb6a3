import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mermaid } from './flow-diagram.js';
import { next } from './next.js';
import type { FlowClient, FlowPolicy, SignInState, Step } from './sign-in-state.js';

const required: FlowPolicy = { mfaRequired: true, maxAttempts: 5, enrolment: 'at-sign-in' };
const inviteOnly: FlowPolicy = { ...required, enrolment: 'invite-only' };
const optional: FlowPolicy = { ...required, mfaRequired: false };
const noConsent: FlowClient = { consentNeeded: false };
const consent: FlowClient = { consentNeeded: true };
const fresh: SignInState = { proven: [], hasFactor: true, enrolled: false, failures: 0 };

describe('next(state, policy, client)', () => {
  it.each<[string, SignInState, FlowPolicy, FlowClient, Step]>([
    ['nothing proven', fresh, required, noConsent, { stage: 'identify' }],
    ['nothing proven, even when MFA is optional', fresh, optional, noConsent, { stage: 'identify' }],
    ['a second factor alone is not a sign-in', { ...fresh, proven: ['otp'] }, required, noConsent, { stage: 'identify' }],
    ['password, user has TOTP, MFA required', { ...fresh, proven: ['pwd'] }, required, noConsent, { stage: 'challenge' }],
    ['password, MFA optional', { ...fresh, proven: ['pwd'] }, optional, noConsent, { stage: 'finish' }],
    ['password, MFA optional, consent open', { ...fresh, proven: ['pwd'] }, optional, consent, { stage: 'consent' }],
    ['password + TOTP', { ...fresh, proven: ['pwd', 'otp'] }, required, noConsent, { stage: 'finish' }],
    ['password + passkey, consent open', { ...fresh, proven: ['pwd', 'hwk'] }, required, consent, { stage: 'consent' }],
    ['password + recovery code', { ...fresh, proven: ['pwd', 'recovery'] }, required, noConsent, { stage: 'finish' }],
    ['password, no factor on file, at-sign-in', { ...fresh, hasFactor: false, proven: ['pwd'] }, required, noConsent, { stage: 'enrol' }],
    ['password, no factor on file, invite-only', { ...fresh, hasFactor: false, proven: ['pwd'] }, inviteOnly, noConsent, { stage: 'denied', reason: 'enrolment_not_allowed' }],
    ['invite-only, a code issued', { ...fresh, hasFactor: false, proven: ['pwd'], enrolmentCodePending: true }, inviteOnly, noConsent, { stage: 'enrolment_code' }],
    ['invite-only, the code presented', { ...fresh, hasFactor: false, proven: ['pwd'], enrolmentAllowed: true }, inviteOnly, noConsent, { stage: 'enrol' }],
    ['invite-only, the code presented but attempts used up', { ...fresh, hasFactor: false, proven: ['pwd'], enrolmentAllowed: true, failures: 5 }, inviteOnly, noConsent, { stage: 'denied', reason: 'too_many_attempts' }],
    ['a factor on file but enrolled elsewhere: no codes', { ...fresh, proven: ['pwd'] }, required, noConsent, { stage: 'challenge' }],
    ['enrolled and proven here: recovery codes', { ...fresh, proven: ['pwd', 'otp'], enrolled: true }, required, consent, { stage: 'recovery_codes' }],
    ['enrolled but not proven: no codes', { ...fresh, proven: ['pwd'], enrolled: true }, required, noConsent, { stage: 'challenge' }],
    ['codes shown and Continue', { ...fresh, proven: ['pwd', 'otp'], enrolled: true, recoveryCodesDone: true }, required, consent, { stage: 'consent' }],
    ['upstream IdP without MFA', { ...fresh, proven: ['fed'] }, required, noConsent, { stage: 'challenge' }],
    ['upstream IdP with trusted MFA', { ...fresh, proven: ['fed'], upstreamMfa: true }, required, noConsent, { stage: 'finish' }],
    ['emergency with its factor', { ...fresh, proven: ['emergency', 'otp'] }, required, consent, { stage: 'consent' }],
    ['emergency with its factor, no consent open', { ...fresh, proven: ['emergency', 'hwk'] }, required, noConsent, { stage: 'finish' }],
    ['emergency password alone: its own factor is due', { ...fresh, proven: ['emergency'] }, required, noConsent, { stage: 'emergency_challenge' }],
    ['emergency password alone, even where MFA is optional', { ...fresh, proven: ['emergency'] }, optional, noConsent, { stage: 'emergency_challenge' }],
    ['emergency, attempts used up', { ...fresh, proven: ['emergency'], failures: 5 }, required, noConsent, { stage: 'denied', reason: 'too_many_attempts' }],
    ['attempts used up', { ...fresh, proven: ['pwd'], failures: 5 }, required, noConsent, { stage: 'denied', reason: 'too_many_attempts' }],
    ['attempts used up win over a proven factor', { ...fresh, proven: ['pwd', 'otp'], failures: 5 }, required, noConsent, { stage: 'denied', reason: 'too_many_attempts' }],
  ])('%s', (_name, state, policy, client, expected) => {
    expect(next(state, policy, client)).toEqual(expected);
  });
});

describe('docs/sign-in.md', () => {
  it('draws the state diagram next() implements', () => {
    const doc = readFileSync(new URL('../../../docs/sign-in.md', import.meta.url), 'utf8');
    const drawn = /```mermaid\n([\s\S]*?)\n```/.exec(doc)?.[1];
    expect(drawn, 'docs/sign-in.md has no mermaid block').toBeDefined();
    expect(drawn).toBe(mermaid());
  });
});
