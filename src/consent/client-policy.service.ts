import { Injectable } from '@nestjs/common';
import { ClientManagementService } from '../clients/index.js';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { ConsentRepository } from './consent.repository.js';

export interface ClientConsentPolicy {
  clientId: string;
  /** Trusted first-party app: the consent page is skipped (each skip is recorded as consent.granted via first_party). */
  firstParty: boolean;
  /** The scopes the app may ever receive (its registered scope ceiling, SMART scopes compared by the algebra). */
  ceiling: string[];
  version: number;
}

/**
 * How consent works per app. The scope ceiling is the client's registration (`resourceScopes`,
 * managed with the client); this service adds whether the app is a trusted first-party app.
 */
@Injectable()
export class ClientPolicyService {
  constructor(
    private readonly repo: ConsentRepository,
    private readonly clients: ClientManagementService,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
  ) {}

  async isFirstParty(clientId: string): Promise<boolean> {
    return (await this.repo.findClientPolicy(clientId))?.firstParty ?? false;
  }

  async get(clientId: string): Promise<ClientConsentPolicy> {
    const client = await this.clients.get(clientId);
    const policy = await this.repo.findClientPolicy(clientId);
    return { clientId, firstParty: policy?.firstParty ?? false, ceiling: client.resourceScopes, version: policy?.version ?? 0 };
  }

  async setFirstParty(clientId: string, firstParty: boolean, expected: number[] | undefined, actor: EventActor, correlationId?: string): Promise<ClientConsentPolicy> {
    await this.clients.get(clientId);
    await this.uow.run(async (tx) => {
      const before = (await this.repo.findClientPolicy(clientId, tx))?.firstParty ?? false;
      await this.repo.saveClientPolicy(clientId, firstParty, expected, tx);
      await this.bus.publish('consent.client_policy.updated', { clientId, before: { firstParty: before }, after: { firstParty } }, { actor, correlationId, tx });
    });
    return this.get(clientId);
  }
}
