// The published keys.
import { cannon } from '../lib/load.mjs';

export default {
  name: 'jwks',
  group: 'jwks',
  what: 'GET /jwks',
  connections: 32,
  target: { rps: 4000 },
  async load(ctx, seconds) {
    return cannon({ url: ctx.url, connections: this.connections, seconds, requests: [{ method: 'GET', path: '/jwks' }], check: (_s, body) => body.includes('"keys"') });
  },
};
