import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { useStarted } from './fixture.js';

/**
 * A relying party as a clinical app would run one: openid-client for the protocol, and a tiny
 * HTTP server for its callback (so the browser really lands on the app), recording every hit.
 */
export interface RelyingParty {
  redirectUri: string;
  callbacks: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<RelyingParty> {
  const callbacks: URL[] = [];
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    if (url.pathname === '/callback') callbacks.push(url);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><title>App</title><h1>Signed in to the app</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    callbacks,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** startCallbackServer for the enclosing describe block: started in beforeAll, closed in afterAll. */
export function useCallbackServer(): RelyingParty {
  return useStarted('the callback server', startCallbackServer, (rp) => rp.close());
}

export interface LogoutReceiver {
  uri: string;
  /** Every logout_token posted to it, in order. */
  tokens: string[];
  close(): Promise<void>;
}

/** The back-channel logout endpoint a clinical app would run. */
export async function startLogoutReceiver(): Promise<LogoutReceiver> {
  const tokens: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/backchannel-logout`,
    tokens,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** startLogoutReceiver for the enclosing describe block: started in beforeAll, closed in afterAll. */
export function useLogoutReceiver(): LogoutReceiver {
  return useStarted('the logout receiver', startLogoutReceiver, (receiver) => receiver.close());
}

export interface AuthorizationRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

export async function buildAuthorizationUrl(
  config: oidc.Configuration,
  redirectUri: string,
  extra: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid email profile roles',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}
