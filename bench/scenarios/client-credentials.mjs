// Client-credentials grants authenticated with client_secret_basic (HMAC-peppered secret).
import { cannon } from '../lib/load.mjs';
import { basicAuth } from '../lib/flow.mjs';

export default {
  name: 'client-credentials',
  group: 'client-credentials',
  what: 'POST /token grant_type=client_credentials, client_secret_basic',
  connections: 32,
  target: { cpuMs: 1.0, rps: 1000, p99: 50 },
  keycloakPerVcpu: 120,
  async load(ctx, seconds) {
    const { clientId, clientSecret } = ctx.setup.basic;
    return cannon({
      url: ctx.url,
      connections: this.connections,
      seconds,
      requests: [
        {
          method: 'POST',
          path: '/token',
          headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        },
      ],
      check: (_s, body) => body.includes('"access_token"'),
    });
  },
};
