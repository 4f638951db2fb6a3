import { Inject, Injectable, Logger } from '@nestjs/common';
import { ADMIN_RESOURCE, roleScope, type AdminRole } from '../admin/index.js';
import { ClientManagementService, ClientsError, ClientsErrorCode, ClientsService } from '../clients/index.js';
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
    // Over plain http (development) only a native app may use an http loopback redirect.
    const applicationType = this.config.issuer.startsWith('https://') ? 'web' : 'native';
    const resourceScopes = CONSOLE_ROLES.map(roleScope);
    try {
      await this.management.get(CONSOLE_CLIENT_ID);
      // Every security-relevant field is set again (an update that changes nothing writes nothing): a row
      // found under this id is never trusted as it is. A confidential row cannot take auth method none and fails closed.
      await this.management.update(
        CONSOLE_CLIENT_ID,
        {
          redirectUris: [redirect],
          postLogoutRedirectUris: [redirect],
          applicationType,
          grantTypes: ['authorization_code'],
          tokenEndpointAuthMethod: 'none',
          scope: null,
          resourceScopes,
          jwks: null,
          jwksUri: null,
          backchannelLogoutUri: null,
          mfaPolicy: 'required',
        },
        { actor: SYSTEM_ACTOR },
      );
    } catch (err) {
      if (!(err instanceof ClientsError && err.code === ClientsErrorCode.CLIENT_NOT_FOUND)) throw err;
      try {
        await this.clients.createClient(
          {
            clientId: CONSOLE_CLIENT_ID,
            name: `${this.config.brand.name} admin console`,
            type: 'public',
            applicationType,
            redirectUris: [redirect],
            postLogoutRedirectUris: [redirect],
            grantTypes: ['authorization_code'],
            mfaPolicy: 'required',
            resourceScopes,
          },
          SYSTEM_ACTOR,
        );
        this.logger.log({ clientId: CONSOLE_CLIENT_ID }, 'registered the admin console client');
      } catch (created) {
        // Another instance registered it between our read and our insert.
        if (!(created instanceof ClientsError && created.code === ClientsErrorCode.CLIENT_ALREADY_EXISTS)) throw created;
      }
    }
    if (!(await this.policies.isFirstParty(CONSOLE_CLIENT_ID))) await this.policies.setFirstParty(CONSOLE_CLIENT_ID, true, undefined, SYSTEM_ACTOR);
  }
}
