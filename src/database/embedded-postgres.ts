import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * PGlite (PostgreSQL compiled to WASM) persisted under `<dataDir>/pgdata`, served over the
 * PostgreSQL wire protocol on a private Unix socket, so the application talks to it with the
 * same `pg` driver, the same TypeORM dialect and the same migrations as a real server.
 * PGlite is single-connection: callers must use a pool of exactly one connection.
 */
export interface EmbeddedPostgres {
  /** Directory holding the socket; pass as `host` with port 5432 to `pg`. */
  socketDir: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A data directory not initialised yet is initialised by embedded-initdb.js in a child process
 * (same node, same flags), so initdb's transient memory never adds to the service's. Where that
 * file is not beside this one (running from sources), PGlite.create initialises in-process.
 */
function initialiseApart(pgdata: string, startParams: string[]): void {
  const script = fileURLToPath(new URL('./embedded-initdb.js', import.meta.url));
  if (existsSync(join(pgdata, 'PG_VERSION')) || !existsSync(script)) return;
  execFileSync(process.execPath, [...process.execArgv, script, pgdata, JSON.stringify(startParams)], { stdio: ['ignore', 'ignore', 'inherit'] });
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const pgdata = resolve(dataDir, 'pgdata');
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  // shared_buffers lives inside the WASM heap, which never shrinks: PostgreSQL's 128 MB default
  // cost 128 MB of resident memory for one single-connection database; 16 MB holds this
  // service's working set. The other start parameters stay PGlite's own.
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  initialiseApart(pgdata, startParams);
  const db = await PGlite.create(pgdata, { startParams });
  // A fresh 0700 directory: only this process's user can reach the socket.
  const socketDir = mkdtempSync(join(tmpdir(), 'caduceus-pg-'));
  const port = 5432;
  const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${port}`) });
  await server.start();
  return {
    socketDir,
    port,
    async stop() {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
