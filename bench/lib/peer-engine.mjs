// The bare engine: the project's own oidc-provider dependency on node:http, in-memory adapter
// (oidc-provider's default), one client_secret_basic client with client_credentials, opaque
// access tokens with the service's default client-credentials lifetime (600 s). No framework,
// no database, no audit: what the engine alone costs per grant, measured the same way as the
// service (a separate process; its CPU from /proc). Prints `ready <port>` on stdout.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT ?? 0);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;
const clientId = process.env.PEER_CLIENT_ID ?? 'peer-client';
const clientSecret = process.env.PEER_CLIENT_SECRET ?? 'peer-secret-peer-secret-peer-secret';
const ttl = Number(process.env.CLIENT_CREDENTIALS_TTL ?? 600);

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
  ttl: { ClientCredentials: ttl },
});
provider.on('server_error', (_ctx, err) => process.stderr.write(`peer: ${err.stack}\n`));
const callback = provider.callback();
const server = createServer(callback);
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
