import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { freePort } from '../../support/ports.js';

export interface HospitalUser {
  password: string;
  claims: { email: string; email_verified: boolean; given_name?: string; family_name?: string; groups?: string[] };
}

export interface HospitalIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * A stand-in for the hospital's own directory: an independent oidc-provider on 127.0.0.1 (a
 * different cookie host from Caduceus on localhost) with its own users and its own small login
 * page that checks their passwords. It registers Caduceus as a confidential client.
 */
export async function startHospitalIdp(
  redirectUri: string,
  users: Record<string, HospitalUser>,
  opts: { postLogoutRedirectUri?: string } = {},
): Promise<HospitalIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const clientId = 'caduceus';
  const clientSecret = randomBytes(24).toString('base64url');
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        ...(opts.postLogoutRedirectUri ? { post_logout_redirect_uris: [opts.postLogoutRedirectUri] } : {}),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid: 'hospital-1', alg: 'RS256', use: 'sig' }] as never },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name'], groups: ['groups'] },
    findAccount: async (_ctx, sub) => (users[sub] ? { accountId: sub, claims: async () => ({ sub, ...users[sub]!.claims }) } : undefined),
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = `<!DOCTYPE html><html><head><title>Hospital directory</title></head><body><h1>Sign out of the directory?</h1>${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out of the directory</button></body></html>`;
        },
      },
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  });
  const callback = provider.callback();
  const loginPage = (error = '') => `<!DOCTYPE html><html><head><title>Hospital directory</title></head><body>
<h1>Hospital directory</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post"><label>Username <input name="login" autocomplete="username"></label>
<label>Directory password <input name="password" type="password"></label><button type="submit">Log in</button></form></body></html>`;

  const server: Server = createServer(async (req, res) => {
    try {
      const path = new URL(req.url ?? '/', issuer).pathname;
      if (!/^\/interaction\/[^/]+$/.test(path)) return void callback(req, res);
      const details = await provider.interactionDetails(req, res);
      if (req.method !== 'POST') return void res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage());
      const form = new URLSearchParams(await body(req));
      const login = form.get('login') ?? '';
      if (!users[login] || users[login]!.password !== form.get('password')) {
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(loginPage('Wrong username or password'));
      }
      const grant = new provider.Grant({ accountId: login, clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId: login, amr: ['pwd'] }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    issuer,
    clientId,
    clientSecret,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
