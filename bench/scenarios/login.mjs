// The whole browserless sign-in per virtual user: authorize → sign-in form POST (argon2id at the
// configured parameters) → TOTP form POST → callback (consent already granted or skipped) →
// code exchange. Latency and "ops" are whole sign-ins (about 8 HTTP requests each).
// A TOTP code is accepted once per step per user, so each sign-in takes a user whose code for
// the current 30 s step is unused.
import { loop } from '../lib/load.mjs';
import { signIn } from '../lib/flow.mjs';

export default {
  name: 'login',
  group: 'login',
  what: 'full sign-in: authorize, password, TOTP, callback, code exchange (one op = one sign-in)',
  connections: 16,
  target: { cpuMs: 33, rps: 40 },
  keycloakPerVcpu: 15,
  async load(ctx, seconds) {
    const steps = new Map();
    let requests = 0;
    const result = await loop({
      concurrency: this.connections,
      seconds,
      op: async () => {
        const user = ctx.users.take();
        if (!user) return 'exhausted';
        try {
          const r = await signIn(ctx.url, ctx.setup.web, user);
          const path = r.steps.join(' → ');
          steps.set(path, (steps.get(path) ?? 0) + 1);
          requests += r.requests;
        } finally {
          user.release();
        }
      },
    });
    if (result.exhausted) result.note = 'stopped early: every user had used the TOTP code of the current step (raise BENCH_USERS)';
    result.extra = { steps: Object.fromEntries(steps), httpRequestsPerSignIn: result.ops ? +(requests / result.ops).toFixed(2) : undefined };
    return result;
  },
};
