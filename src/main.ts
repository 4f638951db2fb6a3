import { ConfigError, loadConfig, type AppConfig } from './config/index.js';

/** Start-up failures print one clear line per problem and exit non-zero: the service fails closed. */
function fail(lines: string[]): never {
  for (const line of lines) process.stderr.write(`caduceus: ${line}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems.map((p) => `invalid configuration: ${p}`));
    throw err;
  }
  // Loaded after validation so a bad setting is reported before the framework loads.
  const { createApp } = await import('./app.factory.js');
  let app: Awaited<ReturnType<typeof createApp>>;
  let setupLink: { url: string; minutes: number } | null = null;
  try {
    app = await createApp(config);
    setupLink = await firstRunLink(app);
    await app.listen({ port: config.port, host: config.host });
  } catch (err) {
    fail([`cannot start: ${(err as Error).message ?? String(err)}`]);
  }
  const rssMiB = Math.round(process.memoryUsage.rss() / 2 ** 20);
  process.stderr.write(`caduceus: listening on ${config.host}:${config.port}, issuer ${config.issuer}, rss ${rssMiB} MiB\n`);
  // First run (#20): where to look next, and while no administrator exists, the one-time setup link
  // (issued before listening, printed synchronously after it: once the service answers, the line is out).
  process.stderr.write(`caduceus: discovery ${new URL('/.well-known/openid-configuration', config.issuer).href}\n`);
  process.stderr.write(`caduceus: admin console ${new URL('/admin/console', config.issuer).href}\n`);
  if (setupLink) {
    process.stderr.write(`caduceus: no administrator yet: create the first one at ${setupLink.url} (works once, for ${setupLink.minutes} minutes; restart for a new link)\n`);
  }

  // Graceful shutdown: readiness turns 503, the listener stops accepting, in-flight requests
  // finish, then the database closes. A stuck request cannot hold the process past the grace.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`caduceus: ${signal} received, finishing in-flight requests\n`);
    const force = setTimeout(() => {
      process.stderr.write(`caduceus: shutdown exceeded ${config.shutdownGraceSeconds}s, exiting\n`);
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (err: Error) => fail([`shutdown failed: ${err.message}`]),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

/** The first-run setup link when no administrator exists (#20); a failure to issue one never stops the service. */
async function firstRunLink(app: { get<T>(type: new (...args: never[]) => T): T }): Promise<{ url: string; minutes: number } | null> {
  try {
    const { SetupService, SETUP_LINK_TTL_SECONDS } = await import('./setup/index.js');
    const link = await app.get(SetupService).issueLinkIfNeeded();
    return link ? { url: link.url, minutes: SETUP_LINK_TTL_SECONDS / 60 } : null;
  } catch (err) {
    process.stderr.write(`caduceus: could not issue the first-run setup link: ${(err as Error).message}\n`);
    return null;
  }
}

void main();
