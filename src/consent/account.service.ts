import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientManagementService, ClientsService, ensureBuiltInPublicClient } from '../clients/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { SYSTEM_ACTOR } from '../events/index.js';
import { ClientPolicyService } from './client-policy.service.js';
import { CONSENT_PROVIDER, type ConsentProvider } from './consent-ports.js';
import { allScopes } from './consent-decision.js';
import { ConsentService, scopeSetOf, type ConsentGrant } from './consent.service.js';
import { ScopeCatalogueService } from './scope-catalogue.service.js';
import type { ScopeGroupView } from './scope-catalogue.js';

/** The built-in first-party app through which people sign in to their account pages. */
export const ACCOUNT_CLIENT_ID = 'caduceus-account';
export const ACCOUNT_CALLBACK_PATH = '/account/callback';

export interface ConnectedAppView {
  grant: ConsentGrant;
  clientName: string;
  groups: ScopeGroupView[];
}

/**
 * The account pages' side of things: who is signed in (the browser's OpenID Provider session),
 * how to sign in when nobody is (an authorization request of the built-in account app, which is
 * registered on first use and marked first-party), and the apps the user has allowed.
 */
@Injectable()
export class AccountService {
  private ensured?: Promise<void>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONSENT_PROVIDER) private readonly provider: ConsentProvider,
    private readonly clients: ClientsService,
    private readonly management: ClientManagementService,
    private readonly policies: ClientPolicyService,
    private readonly consent: ConsentService,
    private readonly catalogue: ScopeCatalogueService,
  ) {}

  /** The signed-in account of this browser, from the provider's session cookie, or null. */
  async signedIn(req: FastifyRequest, reply: FastifyReply): Promise<{ accountId: string; sessionUid: string } | null> {
    return this.provider.signedIn(req, reply);
  }

  /**
   * Where to send a browser that is not signed in: the authorization endpoint, for the account
   * app. The code that comes back is never redeemed: signing in is what the page needs (the
   * provider's session), and the code expires unused within a minute.
   */
  async signInUrl(): Promise<string> {
    await this.ensureAccountClient();
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL('/authorize', this.config.issuer);
    url.search = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: this.callbackUrl(),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(16).toString('base64url'),
    }).toString();
    return url.href;
  }

  async connectedApps(accountId: string): Promise<ConnectedAppView[]> {
    const grants = (await this.consent.listForUser(accountId, { limit: 200, liveOnly: true })).filter((g) => g.clientId !== ACCOUNT_CLIENT_ID);
    return Promise.all(
      grants.map(async (grant) => ({
        grant,
        clientName: (await this.provider.findApp(grant.clientId))?.clientName ?? grant.clientId,
        groups: await this.catalogue.describe(allScopes(scopeSetOf(grant))),
      })),
    );
  }

  private callbackUrl(): string {
    return new URL(ACCOUNT_CALLBACK_PATH, this.config.issuer).href;
  }

  /** Registers the account app once (its redirect follows the issuer), trusted first-party. */
  private ensureAccountClient(): Promise<void> {
    this.ensured ??= this.registerAccountClient().catch((err) => {
      this.ensured = undefined;
      throw err;
    });
    return this.ensured;
  }

  private async registerAccountClient(): Promise<void> {
    await ensureBuiltInPublicClient(this.management, this.clients, {
      clientId: ACCOUNT_CLIENT_ID,
      name: `${this.config.brand.name} account`,
      redirectUris: [this.callbackUrl()],
      postLogoutRedirectUris: [],
      resourceScopes: [],
      issuer: this.config.issuer,
    });
    if (!(await this.policies.isFirstParty(ACCOUNT_CLIENT_ID))) await this.policies.setFirstParty(ACCOUNT_CLIENT_ID, true, undefined, SYSTEM_ACTOR);
  }
}
