import { Inject, Injectable, Logger } from '@nestjs/common';
import { ADMIN_RESOURCE, roleScope, type AdminRole } from '../admin/index.js';
import { ClientManagementService, ClientsService, ensureBuiltInPublicClient } from '../clients/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ClientPolicyService } from '../consent/index.js';
import { SYSTEM_ACTOR } from '../events/index.js';

/** The built-in admin console: a public client (authorization code + PKCE) of this service. */
export const CONSOLE_CLIENT_ID = 'caduceus-admin-console';
export const CONSOLE_PATH = '/admin/console';

/**
 * The roles a person may bring to the console. smart-launch and provisioning are machine roles
 * (an EHR, a directory) and stay out of a person's token.
 */
export const CONSOLE_ROLES: readonly AdminRole[] = ['super-admin', 'user-admin', 'client-admin', 'key-admin', 'auditor'];

/** What the console's script needs to sign in: served as /admin/console/config.json. */
export interface ConsoleSettings {
  issuer: string;
  clientId: string;
  redirectUri: string;
  resource: string;
  scope: string;
  brand: string;
  /** Admin API features this version serves, so the console shows only screens that work. */
  features: { approvals: boolean };
}

/**
 * Registers the console on first use (the first load of its page, like the account app, so
 * a service or CLI run that never opens it registers nothing): a public client whose redirect follows the issuer, that
 * requires MFA of everyone signing in, whose ceiling is the person-held admin scopes (the API
 * still counts only the roles the person holds at each request), and that is first-party (no
 * consent page: it is part of this service). Re-aligned when the issuer changes; audited as
 * client.created / client.updated with the system actor.
 */
@Injectable()
export class AdminConsoleClient {
  private readonly logger = new Logger(AdminConsoleClient.name);
  private ensured?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly clients: ClientsService,
    private readonly management: ClientManagementService,
    private readonly policies: ClientPolicyService,
  ) {}

  settings(features: ConsoleSettings['features']): ConsoleSettings {
    return {
      issuer: this.config.issuer,
      clientId: CONSOLE_CLIENT_ID,
      redirectUri: this.redirectUri(),
      resource: ADMIN_RESOURCE,
      scope: ['openid', ...CONSOLE_ROLES.map(roleScope)].join(' '),
      brand: this.config.brand.name,
      features,
    };
  }

  redirectUri(): string {
    return new URL(CONSOLE_PATH, this.config.issuer).href;
  }

  /** Registers (or re-aligns) the client once per process; a failure is retried on the next call. */
  ensureRegistered(): Promise<void> {
    this.ensured ??= this.register().catch((err) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  private async register(): Promise<void> {
    const redirect = this.redirectUri();
    const outcome = await ensureBuiltInPublicClient(this.management, this.clients, {
      clientId: CONSOLE_CLIENT_ID,
      name: `${this.config.brand.name} admin console`,
      redirectUris: [redirect],
      postLogoutRedirectUris: [redirect],
      resourceScopes: CONSOLE_ROLES.map(roleScope),
      issuer: this.config.issuer,
    });
    if (outcome === 'created') this.logger.log({ clientId: CONSOLE_CLIENT_ID }, 'registered the admin console client');
    if (!(await this.policies.isFirstParty(CONSOLE_CLIENT_ID))) await this.policies.setFirstParty(CONSOLE_CLIENT_ID, true, undefined, SYSTEM_ACTOR);
  }
}
