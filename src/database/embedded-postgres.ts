import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const pgdata = resolve(dataDir, 'pgdata');
  mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(pgdata);
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
