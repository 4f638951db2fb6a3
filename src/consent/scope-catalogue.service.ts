import { Injectable } from '@nestjs/common';
import { UnitOfWork } from '../database/index.js';
import { EventBus, type EventActor } from '../events/index.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import { ConsentRepository, type StoredCustomScope } from './consent.repository.js';
import { BUILT_IN_SCOPES, groupScopes, isReservedScopeName, type ScopeDefinition, type ScopeGroup, type ScopeGroupView } from './scope-catalogue.js';

/**
 * The scope catalogue: built-in OpenID Connect and SMART scopes, plus the custom scopes
 * administrators describe for their own APIs; and the grouped plain-language view of a request.
 */
@Injectable()
export class ScopeCatalogueService {
  constructor(
    private readonly repo: ConsentRepository,
    private readonly uow: UnitOfWork,
    private readonly bus: EventBus,
  ) {}

  async list(): Promise<Array<ScopeDefinition & { version?: number }>> {
    const custom = await this.repo.listCustomScopes();
    return [...BUILT_IN_SCOPES, ...custom.map((c) => ({ name: c.name, group: c.group, description: c.description, source: 'custom' as const, version: c.version }))];
  }

  async getCustom(name: string): Promise<StoredCustomScope> {
    const scope = await this.repo.findCustomScope(name);
    if (!scope) throw new ConsentError(ConsentErrorCode.SCOPE_NOT_FOUND, 'no such custom scope');
    return scope;
  }

  /** Groups and describes a request for the consent and account pages. */
  async describe(scopes: readonly string[]): Promise<ScopeGroupView[]> {
    const custom = await this.repo.listCustomScopes();
    return groupScopes(scopes, new Map(custom.map((c) => [c.name, { group: c.group, description: c.description }])));
  }

  /** Rules: built-in and SMART-shaped names are reserved; a change names the version it read. */
  async save(
    input: { name: string; description: string; group: ScopeGroup },
    expected: number[] | undefined,
    actor: EventActor,
    correlationId?: string,
  ): Promise<{ scope: StoredCustomScope; created: boolean }> {
    if (isReservedScopeName(input.name)) {
      throw new ConsentError(ConsentErrorCode.RESERVED_SCOPE, 'built-in, SMART and admin: scope names cannot be redefined', { field: 'name' });
    }
    return this.uow.run(async (tx) => {
      const saved = await this.repo.saveCustomScope(input, expected, tx);
      await this.bus.publish(
        'consent.scope.saved',
        { name: input.name, group: input.group, description: input.description, created: saved.created },
        { actor, correlationId, tx },
      );
      return saved;
    });
  }

  async delete(name: string, actor: EventActor, correlationId?: string): Promise<void> {
    await this.uow.run(async (tx) => {
      if (!(await this.repo.deleteCustomScope(name, tx))) throw new ConsentError(ConsentErrorCode.SCOPE_NOT_FOUND, 'no such custom scope');
      await this.bus.publish('consent.scope.deleted', { name }, { actor, correlationId, tx });
    });
  }
}
