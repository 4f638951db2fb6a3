// The OpenID Provider metadata.
import { cannon } from '../lib/load.mjs';

export default {
  name: 'discovery',
  group: 'discovery',
  what: 'GET /.well-known/openid-configuration',
  connections: 32,
  target: { rps: 4000 },
  async load(ctx, seconds) {
    return cannon({
      url: ctx.url,
      connections: this.connections,
      seconds,
      requests: [{ method: 'GET', path: '/.well-known/openid-configuration' }],
      check: (_s, body) => body.includes('"issuer"'),
    });
  },
};
