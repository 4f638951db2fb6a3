// Client-credentials grants authenticated with private_key_jwt: a fresh ES256 client assertion
// (unique jti, so replay protection is exercised) signed by the load generator per request.
import { randomBytes, sign, createPrivateKey } from 'node:crypto';
import { cannon } from '../lib/load.mjs';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export default {
  name: 'client-credentials-jwt',
  group: 'client-credentials',
  what: 'POST /token grant_type=client_credentials, private_key_jwt (ES256 assertion)',
  connections: 32,
  target: { cpuMs: 1.0, rps: 1000, p99: 50 },
  keycloakPerVcpu: 120,
  async load(ctx, seconds) {
    const { clientId, privateKey, kid } = ctx.setup.jwt;
    const key = createPrivateKey(privateKey);
    const header = b64({ alg: 'ES256', kid, typ: 'JWT' });
    const assertion = () => {
      const now = Math.floor(Date.now() / 1000);
      const input = `${header}.${b64({ iss: clientId, sub: clientId, aud: ctx.url, jti: randomBytes(16).toString('base64url'), iat: now, exp: now + 60 })}`;
      return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };
    return cannon({
      url: ctx.url,
      connections: this.connections,
      seconds,
      requests: [
        {
          method: 'POST',
          path: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          setupRequest: (req) => ({
            ...req,
            body: new URLSearchParams({
              grant_type: 'client_credentials',
              client_id: clientId,
              client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
              client_assertion: assertion(),
            }).toString(),
          }),
        },
      ],
      check: (_s, body) => body.includes('"access_token"'),
    });
  },
};
