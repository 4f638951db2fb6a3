import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import Provider from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ClientsService } from '../clients/index.js';
import { KeysService } from '../keys/index.js';
import { EventBus } from '../events/index.js';
import { AdvisoryLockService } from '../database/index.js';
import { createAdapterClass } from './oidc-adapter.js';
import { OidcArtifactRepository } from './oidc-artifact.repository.js';
import { buildProviderConfiguration } from './provider-config.js';
import { bridgeProviderEvents } from './provider-events.js';

type Callback = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The only place that touches oidc-provider. Builds the Provider from the database-backed
 * adapter, the sealed keystore and the clients registry, and hands its request callback to
 * the HTTP mount for the OIDC paths only.
 */
@Injectable()
export class OidcService implements OnModuleInit {
  private readonly logger = new Logger(OidcService.name);
  private provider?: Provider;
  private handler?: Callback;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly artifacts: OidcArtifactRepository,
    private readonly clients: ClientsService,
    private readonly keys: KeysService,
    private readonly bus: EventBus,
    private readonly locks: AdvisoryLockService,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.keys.ensureActiveKey();
    this.provider = await this.buildProvider();
    this.handler = this.provider.callback();
  }

  /** Request handler for the mounted OIDC routes. */
  get callback(): Callback {
    if (!this.handler) throw new Error('the OpenID Provider is not initialised yet');
    return this.handler;
  }

  /** Deletes expired artifacts; one instance at a time. */
  async cleanupExpired(): Promise<number> {
    const outcome = await this.locks.tryWithLock('caduceus:oidc-cleanup', () => this.artifacts.deleteExpired());
    return outcome.ran ? outcome.result : 0;
  }

  private async buildProvider(): Promise<Provider> {
    const configuration = buildProviderConfiguration(this.config, {
      adapter: createAdapterClass(this.artifacts, this.clients),
      keystore: await this.keys.loadSigningKeystore(),
      cookieKeys: [(await this.keys.getSecret('oidc-cookie-key')).toString('base64url')],
      findResourceServer: (identifier) => this.clients.findResourceServer(identifier),
    });
    const provider = new Provider(this.config.issuer, configuration);
    provider.proxy = this.config.trustProxy;
    // Stored client secrets are keyed hashes: compare the presented secret through the registry.
    const clients = this.clients;
    provider.Client.prototype.compareClientSecret = function compareClientSecret(this: { clientSecret?: string }, actual: string) {
      return this.clientSecret ? clients.verifySecret(actual, this.clientSecret) : false;
    };
    bridgeProviderEvents(provider, this.bus, this.logger);
    return provider;
  }
}
