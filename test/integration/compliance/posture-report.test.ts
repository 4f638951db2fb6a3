import { describe, expect, it } from 'vitest';
import { BreakGlassService } from '../../../src/breakglass/index.js';
import { ComplianceClock } from '../../../src/compliance/index.js';
import { IdentityService } from '../../../src/identity/index.js';
import { useAdminApi } from '../admin/admin-api.js';

type Line = { id: string; status: 'met' | 'attention' | 'not_met'; reason: string; evidence: Record<string, any> };

/**
 * The HIPAA posture report follows the live settings: flipping a policy, lengthening idle
 * logoff or letting the signing key age past its rotation moves the matching line, and every
 * generation of the report is itself in the audit trail.
 */
describe('HIPAA posture report', () => {
  const api = useAdminApi();

  async function report(): Promise<Record<string, Line>> {
    const res = await api.call('GET', '/admin/v1/compliance/report', { token: await api.token(['auditor']) });
    expect(res.status).toBe(200);
    return Object.fromEntries((res.body.lines as Line[]).map((l) => [l.id, l]));
  }

  async function patchPolicies(body: unknown) {
    const token = await api.token(['super-admin']);
    const current = await api.call('GET', '/admin/v1/policies', { token });
    const res = await api.call('PATCH', '/admin/v1/policies', { token, body, headers: { 'if-match': current.headers.get('etag')! } });
    expect(res.status).toBe(200);
  }

  it('judges each technical safeguard from the deployment as it is', async () => {
    const lines = await report();
    expect(Object.keys(lines)).toEqual(
      expect.arrayContaining(['unique-user-identification', 'emergency-access', 'automatic-logoff', 'encryption', 'audit-controls', 'integrity', 'person-or-entity-authentication', 'transmission-security']),
    );
    expect(lines['automatic-logoff']).toMatchObject({ status: 'met', evidence: { idleSeconds: 900 } });
    expect(lines['person-or-entity-authentication']!.status).toBe('met');
    expect(lines['encryption']).toMatchObject({ status: 'met', evidence: { kekSource: 'environment' } });
    expect(lines['integrity']!.status).toBe('met');
    expect(lines['audit-controls']!.evidence.verified).toBe(true);
    // The test service runs on http://localhost: no TLS, no HSTS.
    expect(lines['transmission-security']).toMatchObject({ status: 'not_met', evidence: { https: false } });

    const res = await api.call('GET', '/admin/v1/compliance/report?format=html', { token: await api.token(['super-admin']) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.body).toContain('data-line="automatic-logoff" data-status="met"');
    expect(res.body).not.toMatch(/<script|style=/);

    const generated = await api.db.query(`SELECT 1 FROM audit_events WHERE event_type = 'compliance.report.generated'`);
    expect(generated).toHaveLength(2);
    expect((await api.call('GET', '/admin/v1/compliance/report', { token: await api.token(['client-admin']) })).status).toBe(403);
  });

  it('names the users whom policy requires to use MFA and who have not enrolled', async () => {
    const user = await api.running.app.get(IdentityService).createUser({ email: 'radiographer@hospital.test', password: 'a long and unusual passphrase 7', roles: ['clinician'] });
    const line = (await report())['person-or-entity-authentication']!;
    expect(line.status).toBe('attention');
    expect(line.evidence.requiredButNotEnrolled).toEqual([{ id: user.id, email: 'radiographer@hospital.test' }]);
    expect((await report())['phishing-resistant-mfa']!.evidence.weakerThanPasskeyRoles).toEqual(expect.arrayContaining(['clinician', 'super-admin']));
  });

  it('marks MFA_ENROLMENT=at-sign-in (the default) as attention', async () => {
    const line = (await report())['mfa-enrolment']!;
    expect(line.status).toBe('attention');
    expect(line.evidence).toEqual({ enrolment: 'at-sign-in' });
    expect(line.reason).toContain('MFA_ENROLMENT is at-sign-in');
  });

  it('moves person or entity authentication to not met when MFA becomes optional', async () => {
    await patchPolicies({ mfa: { policy: 'optional' } });
    const lines = await report();
    expect(lines['person-or-entity-authentication']).toMatchObject({ status: 'not_met', evidence: { policy: 'optional' } });
    expect(lines['weakened-defaults']!.evidence.weakened.join(' ')).toMatch(/MFA_POLICY=optional/);
    await patchPolicies({ mfa: { policy: 'required' } });
  });

  it('moves automatic logoff to not met when idle logoff is lengthened to 8 hours', async () => {
    await patchPolicies({ lifetimes: { sessionIdle: 8 * 3600 } });
    const line = (await report())['automatic-logoff']!;
    expect(line).toMatchObject({ status: 'not_met', evidence: { idleSeconds: 28800 } });
    expect(line.reason).toMatch(/480 idle minutes/);
    await patchPolicies({ lifetimes: { sessionIdle: 900 } });
    expect((await report())['automatic-logoff']!.status).toBe('met');
  });

  it('moves integrity to not met once the active signing key is past its rotation date', async () => {
    const clock = api.running.app.get(ComplianceClock);
    const real = clock.now.bind(clock);
    clock.now = () => new Date(real().getTime() + 31 * 86_400_000);
    try {
      const line = (await report())['integrity']!;
      expect(line.status).toBe('not_met');
      expect(line.reason).toMatch(/past its rotation date/);
    } finally {
      clock.now = real;
    }
    expect((await report())['integrity']!.status).toBe('met');
  });

  it('asks for attention while an emergency session awaits review', async () => {
    const user = await api.running.app.get(IdentityService).createUser({ email: 'intensivist@hospital.test', password: 'a long and unusual passphrase 7', roles: ['breakglass'] });
    await api.running.app.get(BreakGlassService).start(
      { userId: user.id, justification: 'Upstream IdP outage during a trauma call.', factor: 'totp' },
      'intensivist@hospital.test',
      null,
    );
    expect((await report())['emergency-access']).toMatchObject({ status: 'attention', evidence: { unreviewedSessions: 1 } });
  });

  it('asks for dual control once two people hold super-admin, and is met when it is on', async () => {
    const identity = api.running.app.get(IdentityService);
    expect((await report())['dual-control']).toMatchObject({ status: 'met', evidence: { dualControl: false, superAdmins: 0 } });
    for (const email of ['cmio@hospital.test', 'ciso@hospital.test']) {
      await identity.createUser({ email, password: 'a long and unusual passphrase 7', roles: ['super-admin'] });
    }
    const off = (await report())['dual-control']!;
    expect(off).toMatchObject({ status: 'attention', evidence: { dualControl: false, superAdmins: 2 } });
    expect(off.reason).toContain('dual control is off');
    await patchPolicies({ admin: { dualControl: true } });
    expect((await report())['dual-control']).toMatchObject({ status: 'met', evidence: { dualControl: true, superAdmins: 2 } });
  });
});
