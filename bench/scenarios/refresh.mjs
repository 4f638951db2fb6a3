// Refresh-token grants with rotation: every refresh token is single-use (reuse would revoke the
// family), so each of `connections` chains refreshes its own latest token, one at a time.
// The chains start from real sign-ins (password + TOTP) with offline_access during prepare.
import { loop } from '../lib/load.mjs';
import { basicAuth, signIn } from '../lib/flow.mjs';

export default {
  name: 'refresh',
  group: 'refresh',
  what: 'POST /token grant_type=refresh_token (rotation on every use), client_secret_basic',
  connections: 32,
  target: { cpuMs: 1.5, rps: 600 },
  keycloakPerVcpu: 120,
  async prepare(ctx) {
    const chains = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (chains.length < this.connections) {
          const user = ctx.users.take();
          if (!user) throw new Error('no user left whose TOTP step is unused: raise BENCH_USERS');
          try {
            const { tokens } = await signIn(ctx.url, ctx.setup.web, user, { scope: 'openid offline_access', extra: { prompt: 'consent' } });
            if (!tokens.refresh_token) throw new Error(`the sign-in gave no refresh token (scope ${tokens.scope})`);
            chains.push(tokens.refresh_token);
          } finally {
            user.release();
          }
        }
      }),
    );
    return { chains: chains.slice(0, this.connections) };
  },
  async load(ctx, seconds, state) {
    const { clientId, clientSecret } = ctx.setup.web;
    const authorization = basicAuth(clientId, clientSecret);
    return loop({
      concurrency: state.chains.length,
      seconds,
      op: async (i) => {
        const res = await fetch(`${ctx.url}/token`, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: state.chains[i] }),
        });
        const body = await res.json();
        if (res.status !== 200 || !body.refresh_token) throw new Error(`refresh answered ${res.status}: ${JSON.stringify(body)}`);
        state.chains[i] = body.refresh_token;
      },
    });
  },
};
