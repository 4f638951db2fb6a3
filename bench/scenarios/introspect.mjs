// Introspection of valid (opaque) access tokens by a resource server with client_secret_basic,
// tokens issued for the API whose audience it is; an answer without "active":true counts as an error.
import { cannon } from '../lib/load.mjs';
import { basicAuth } from '../lib/flow.mjs';
import { LAB_API, LAB_SCOPE } from '../lib/setup.mjs';

export default {
  name: 'introspect',
  group: 'introspect',
  what: 'POST /introspect of a valid access token, resource server with client_secret_basic',
  connections: 32,
  target: { cpuMs: 0.5, rps: 2000 },
  keycloakPerVcpu: undefined,
  async prepare(ctx) {
    const { clientId, clientSecret } = ctx.setup.basic;
    const tokens = [];
    for (let i = 0; i < 200; i++) {
      const res = await fetch(`${ctx.url}/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: LAB_API, scope: LAB_SCOPE }).toString(),
      });
      const body = await res.json();
      if (!body.access_token) throw new Error(`no token to introspect: ${JSON.stringify(body)}`);
      tokens.push(body.access_token);
    }
    return { tokens };
  },
  async load(ctx, seconds, state) {
    const { clientId, clientSecret } = ctx.setup.resourceServer;
    let n = 0;
    return cannon({
      url: ctx.url,
      connections: this.connections,
      seconds,
      requests: [
        {
          method: 'POST',
          path: '/introspect',
          headers: { authorization: basicAuth(clientId, clientSecret), 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({ ...req, body: `token=${encodeURIComponent(state.tokens[n++ % state.tokens.length])}` }),
        },
      ],
      check: (_s, body) => body.includes('"active":true'),
    });
  },
};
