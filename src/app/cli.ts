/**
 * `npm run cli -- <command>`: first steps on a server whose admin API is not reachable yet.
 * It uses the configuration and database of the service (the same environment variables) and
 * acts through the same modules, so what it does is validated and emits the same events.
 *
 *   status                                   database, migrations, signing key, clients
 *   create-admin-client --role <role> ...    a machine admin; prints its id and secret once
 *   create-admin-user --email <e> --role <r>  a person; prints a one-time password setup link (or a generated password)
 *   create-group --name <n> --role <r> ...   a group, the roles it grants and its members (by email)
 */
import { randomBytes } from 'node:crypto';
import { userInfo } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { AppModule } from '../app.module.js';
import { ApprovalsService, grantsHighRiskRole, groupGrantsHighRiskRole } from '../approvals/index.js';
import { ClientsError, ClientsService, type CreatedClient } from '../clients/index.js';
import { ConfigError, loadConfig, type AppConfig } from '../config/index.js';
import { openDatabase, runMigrations, type OpenedDatabase } from '../database/index.js';
import { entities } from './entities.js';
import { KeysService } from '../keys/index.js';
import { IdentityError, IdentityService } from '../identity/index.js';
import { GroupsService, UserManagementService } from '../identity/users-admin.module.js';
import { ADMIN_RESOURCE, ADMIN_ROLES, protectedRoles, roleScope, type AdminRole } from '../admin/admin-roles.js';

const USAGE = `usage: npm run cli -- <command> [options]

commands:
  status                         database reachable, migrations applied, active signing key, number of clients
                                 (exit status 1 when the database is unreachable or migrations are pending)
  create-admin-client            register a machine admin (client credentials for the admin API)
      --role <role>              one of ${ADMIN_ROLES.join(', ')}; repeat for several (required)
      --name <name>              shown in listings and the audit trail (default "Admin client")
      --client-id <id>           choose the client id (default: random)
      --json                     print {"clientId", "clientSecret", "roles"} as JSON

  create-admin-user              create a person with protected roles (they sign in with password and MFA)
      --email <email>            the person's email (required)
      --role <role>              one of ${ADMIN_ROLES.join(', ')} or the BREAKGLASS_ROLE; repeat for several (required)
      --given-name <name>, --family-name <name>
      --generate-password        set a generated password and print it once, instead of a setup link
      --json                     print {"userId", "passwordSetupLink" | "password", "roles"} as JSON

  create-group                   create a group; its members hold the roles it grants
      --name <name>              the group's name (required, unique)
      --role <role>              a role the group grants; repeat for several
      --member <email>           an existing user; repeat for several
      --external-id <id>         the directory's id of the group (as SCIM sends it)
      --json                     print {"groupId", "roles", "members"} as JSON`;

type Out = (line: string) => void;

export async function runCli(argv: string[], out: Out, err: Out): Promise<number> {
  const [command, ...rest] = argv;
  let config: AppConfig;
  try {
    // Logs would mix with the output (and a secret is printed): keep only errors, on stderr via pino's default.
    config = { ...loadConfig(), log: { level: 'silent', pretty: false } } as AppConfig;
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const problem of e.problems) err(`invalid configuration: ${problem}`);
      return 1;
    }
    throw e;
  }
  switch (command) {
    case 'status':
      return status(config, out, err);
    case 'create-admin-client':
      return createAdminClient(config, rest, out, err);
    case 'create-admin-user':
      return createAdminUser(config, rest, out, err);
    case 'create-group':
      return createGroup(config, rest, out, err);
    case undefined:
    case 'help':
    case '--help':
      out(USAGE);
      return command === undefined ? 1 : 0;
    default:
      err(`unknown command ${command}`);
      err(USAGE);
      return 1;
  }
}

async function status(config: AppConfig, out: Out, err: Out): Promise<number> {
  let db: OpenedDatabase;
  try {
    db = await openDatabase(config, entities);
  } catch (e) {
    err(`database: unreachable (${(e as Error).message})`);
    return 1;
  }
  try {
    out(`database: reachable (${db.kind === 'postgres' ? 'PostgreSQL at DATABASE_URL' : `embedded, ${config.dataDir}`})`);
    const pending = await pendingMigrations(db);
    const total = db.dataSource.migrations.length;
    out(`migrations: ${total - pending.length} of ${total} applied${pending.length ? `; pending: ${pending.join(', ')}` : ''}`);
    if (pending.length) {
      err('migrations are pending: start the service or run `npm run migration:run`');
      return 1;
    }
  } catch (e) {
    await db.close();
    throw e;
  }
  await db.close();
  return withApp(config, async (app) => {
    const keys = app.get(KeysService);
    const keystore = await keys.loadSigningKeystore();
    const active = keystore.keys[0];
    out(`signing key: ${active ? `${String(active.kid)} (${String(active.alg)}) active` : 'none'}; ${keystore.keys.length} published`);
    out(`key-encryption key: ${keys.kekSource === 'environment' ? 'KEY_ENCRYPTION_KEY' : 'generated file beside the data (development only)'}`);
    out(`clients: ${await app.get(ClientsService).countClients()}`);
    return 0;
  });
}

async function createAdminClient(config: AppConfig, args: string[], out: Out, err: Out): Promise<number> {
  let values: { role?: string[]; name?: string; 'client-id'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        role: { type: 'string', multiple: true },
        name: { type: 'string' },
        'client-id': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  const roles = [...new Set(values.role ?? [])];
  const unknown = roles.filter((r) => !(ADMIN_ROLES as readonly string[]).includes(r));
  if (!roles.length || unknown.length) {
    err(unknown.length ? `unknown role: ${unknown.join(', ')} (roles: ${ADMIN_ROLES.join(', ')})` : '--role is required');
    return 1;
  }
  await migrate(config);
  return withApp(config, async (app) => {
    if (await refusedUnderDualControl(app, grantsHighRiskRole([], roles, config.breakGlass.role), 'an admin client', 'POST /admin/v1/clients', err)) return 1;
    let created: CreatedClient;
    try {
      created = await app.get(ClientsService).createClient(
        {
          name: values.name ?? 'Admin client',
          clientId: values['client-id'],
          type: 'confidential',
          grantTypes: ['client_credentials'],
          tokenEndpointAuthMethod: 'client_secret_basic',
          resourceScopes: (roles as AdminRole[]).map(roleScope),
        },
        { type: 'system', id: `cli:${safeUser()}` },
      );
    } catch (e) {
      // The service's own rules (a reserved or taken id, a bad name): the operator sees which field, nothing is created.
      if (!(e instanceof ClientsError)) throw e;
      for (const f of e.fields.length ? e.fields : [{ field: 'client', message: e.message }]) err(`${f.field}: ${f.message}`);
      return 1;
    }
    if (values.json) {
      out(JSON.stringify({ clientId: created.clientId, clientSecret: created.clientSecret, roles }));
    } else {
      out(`client_id:     ${created.clientId}`);
      out(`client_secret: ${created.clientSecret}`);
      out('');
      out('Store the secret now: it is not shown again (rotate it through the API if it is lost).');
      const scope = (roles as AdminRole[]).map(roleScope).join(' ');
      out(`Token: client credentials at ${config.issuer}/token with resource=${ADMIN_RESOURCE} scope="${scope}"`);
    }
    return 0;
  });
}

async function createAdminUser(config: AppConfig, args: string[], out: Out, err: Out): Promise<number> {
  let values: { email?: string; role?: string[]; 'given-name'?: string; 'family-name'?: string; 'generate-password'?: boolean; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        email: { type: 'string' },
        role: { type: 'string', multiple: true },
        'given-name': { type: 'string' },
        'family-name': { type: 'string' },
        'generate-password': { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  const roles = [...new Set(values.role ?? [])];
  // The operator at the console acts as super-admin: any protected role, from the one definition.
  const allowed = protectedRoles(config.breakGlass.role);
  const unknown = roles.filter((r) => !allowed.includes(r));
  if (!values.email || !roles.length || unknown.length) {
    err(!values.email ? '--email is required' : unknown.length ? `unknown role: ${unknown.join(', ')} (roles: ${allowed.join(', ')})` : '--role is required');
    return 1;
  }
  await migrate(config);
  return withApp(config, async (app) => {
    if (await refusedUnderDualControl(app, grantsHighRiskRole([], roles, config.breakGlass.role), 'a person', 'POST /admin/v1/users', err)) return 1;
    // 24 random bytes: 32 characters, far beyond any policy's minimum, never a common password.
    const password = values['generate-password'] ? randomBytes(24).toString('base64url') : undefined;
    let result;
    try {
      result = await app.get(UserManagementService).create(
        {
          email: values.email!,
          emailVerified: false,
          givenName: values['given-name'],
          familyName: values['family-name'],
          roles,
          password,
          invite: password === undefined ? true : undefined,
        },
        { actor: { type: 'system', id: `cli:${safeUser()}` } },
      );
    } catch (e) {
      if (e instanceof IdentityError) {
        err(e.fields.length ? e.fields.map((f) => `${f.field} ${f.message}`).join('; ') : e.message);
        return 1;
      }
      throw e;
    }
    const { user, link } = result;
    if (values.json) {
      out(JSON.stringify({ userId: user.id, roles, ...(link ? { passwordSetupLink: link.url, expiresAt: link.expiresAt.toISOString() } : { password }) }));
    } else {
      out(`user_id:  ${user.id}`);
      if (link) {
        out(`password setup link (single use, until ${link.expiresAt.toISOString()}):`);
        out(link.url);
      } else {
        out(`password: ${password}`);
        out('Store it now: it is not shown again.');
      }
      out('');
      out('The person enrols a second factor at first sign-in: admin tokens require MFA.');
    }
    return 0;
  });
}

async function createGroup(config: AppConfig, args: string[], out: Out, err: Out): Promise<number> {
  let values: { name?: string; role?: string[]; member?: string[]; 'external-id'?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        name: { type: 'string' },
        role: { type: 'string', multiple: true },
        member: { type: 'string', multiple: true },
        'external-id': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (e) {
    err((e as Error).message);
    return 1;
  }
  if (!values.name) {
    err('--name is required');
    return 1;
  }
  await migrate(config);
  return withApp(config, async (app) => {
    const identity = app.get(IdentityService);
    const members: string[] = [];
    for (const email of values.member ?? []) {
      const user = await identity.findByEmail(email);
      if (!user) {
        err(`--member ${email}: no such user`);
        return 1;
      }
      members.push(user.id);
    }
    const { granted } = groupGrantsHighRiskRole(null, { roles: values.role ?? [], members }, config.breakGlass.role);
    if (await refusedUnderDualControl(app, granted, 'the members of a group', 'POST /admin/v1/groups', err)) return 1;
    try {
      // The operator at the console is the super-admin of first steps, as with create-admin-user.
      const group = await app.get(GroupsService).create(
        { displayName: values.name!, externalId: values['external-id'] ?? null, roles: values.role ?? [], members },
        { actor: { type: 'system', id: `cli:${safeUser()}` } },
      );
      if (values.json) out(JSON.stringify({ groupId: group.id, roles: group.roles, members: group.members.map((m) => m.email) }));
      else out(`group_id: ${group.id}`);
      return 0;
    } catch (e) {
      if (e instanceof IdentityError) {
        err(e.fields.length ? e.fields.map((f) => `${f.field} ${f.message}`).join('; ') : e.message);
        return 1;
      }
      throw e;
    }
  });
}

/**
 * Dual control covers the console too: the operator cannot grant a high-risk role alone (as
 * keys:rotate-kek refuses); they ask through the admin API, where another super-admin approves.
 */
async function refusedUnderDualControl(app: INestApplicationContext, granted: string[], whom: string, route: string, err: Out): Promise<boolean> {
  if (!granted.length || !(await app.get(ApprovalsService).dualControlOn())) return false;
  err(`dual control is on: giving ${whom} ${granted.join(', ')} needs a second super-admin; ask with ${route}, and another super-admin approves it at /admin/v1/approvals`);
  return true;
}

/** The application's modules without HTTP: the same start-up as the service, then closed. */
async function withApp(config: AppConfig, fn: (app: INestApplicationContext) => Promise<number>): Promise<number> {
  const db = await openDatabase(config, entities);
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(config, db), { logger: ['error'], abortOnError: false });
    return await fn(app);
  } finally {
    if (app) await app.close();
    else await db.close();
  }
}

async function pendingMigrations(db: OpenedDatabase): Promise<string[]> {
  const table = await db.dataSource.query(`SELECT to_regclass('migrations') IS NOT NULL AS present`);
  const applied = new Set<string>();
  if (table[0]?.present) {
    for (const row of (await db.dataSource.query(`SELECT name FROM migrations`)) as Array<{ name: string }>) applied.add(row.name);
  }
  return db.dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

// Run only as the entry point (tests import runCli).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCli(process.argv.slice(2), (l) => process.stdout.write(`${l}\n`), (l) => process.stderr.write(`caduceus: ${l}\n`)).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`caduceus: ${e.message}\n`);
      process.exit(1);
    },
  );
}

/** The service applies migrations at start under an advisory lock; so does each command, before it builds the app. */
async function migrate(config: AppConfig): Promise<void> {
  const db = await openDatabase(config, entities);
  try {
    await runMigrations(db);
  } finally {
    await db.close();
  }
}
