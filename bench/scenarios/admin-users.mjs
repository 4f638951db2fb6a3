// The admin API for users: create (with an initial password, so argon2id is in the figure) and
// list, with a super-admin bearer token from client credentials.
import { cannon } from '../lib/load.mjs';

function scenario(name, what, requests, check) {
  return {
    name,
    group: 'admin-users',
    what,
    connections: 8,
    target: {},
    async prepare(ctx) {
      const probe = await fetch(`${ctx.url}/admin/v1/users?limit=1`, { headers: { authorization: `Bearer ${await ctx.adminToken()}` } });
      await probe.body?.cancel();
      if (probe.status === 404) return { skip: '/admin/v1/users is not in the service yet (404)' };
      return {};
    },
    async load(ctx, seconds) {
      const token = await ctx.adminToken();
      return cannon({ url: ctx.url, connections: this.connections, seconds, requests: requests(token), check });
    },
  };
}

let n = 0;
const run = `${process.pid}-${Date.now().toString(36)}`;

export const create = scenario(
  'admin-users-create',
  'POST /admin/v1/users (email + initial password)',
  (token) => [
    {
      method: 'POST',
      path: '/admin/v1/users',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ email: `new${run}-${n++}@bench.hospital.test`, password: 'a long and unusual passphrase 7' }) }),
    },
  ],
);

export const list = scenario(
  'admin-users-list',
  'GET /admin/v1/users?limit=50',
  (token) => [{ method: 'GET', path: '/admin/v1/users?limit=50', headers: { authorization: `Bearer ${token}` } }],
);
