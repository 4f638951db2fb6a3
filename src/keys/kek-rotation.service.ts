import { Injectable, Logger } from '@nestjs/common';
import { AdvisoryLockService } from '../database/index.js';
import { EventBus, SYSTEM_ACTOR } from '../events/index.js';
import { KEYS_LOCK, type EventContext } from './key-lifecycle.service.js';
import { aadForKey, aadForSecret, KeySealer } from './key-sealer.js';
import { KeysRepository } from './keys.repository.js';

export interface KekRotationOutcome {
  toKekId: string;
  fromKekIds: string[];
  signingKeys: number;
  secrets: number;
}

/**
 * Key-encryption key rotation: every signing key and server secret not yet sealed under the
 * current KEK has its data key unwrapped (with KEY_ENCRYPTION_KEY_PREVIOUS) and wrapped again
 * under KEY_ENCRYPTION_KEY. The sealed keys themselves are untouched, so no signing key, kid or
 * secret changes. All rows in one transaction; idempotent (a second run finds nothing to do).
 */
@Injectable()
export class KekRotationService {
  private readonly logger = new Logger(KekRotationService.name);

  constructor(
    private readonly repo: KeysRepository,
    private readonly sealer: KeySealer,
    private readonly locks: AdvisoryLockService,
    private readonly bus: EventBus,
  ) {}

  async rotateKek(events: EventContext = { actor: SYSTEM_ACTOR }): Promise<KekRotationOutcome> {
    return this.locks.withLock(KEYS_LOCK, async () => {
      const toKekId = this.sealer.currentKekId;
      const counts = await this.repo.rewrapAll(toKekId, async (row) => {
        const aad = row.kind === 'key' ? aadForKey(row.id) : aadForSecret(row.id);
        const what = row.kind === 'key' ? `signing key ${row.id}` : `secret ${row.id}`;
        const out = await this.sealer.rewrap({ ciphertext: row.ciphertext, wrappedKey: row.wrappedKey, kekId: row.kekId }, aad, what);
        return { wrappedKey: out.wrappedKey, kekId: out.kekId };
      });
      const outcome = { toKekId, ...counts };
      if (counts.signingKeys + counts.secrets > 0) {
        this.logger.warn(outcome, 're-sealed signing keys and secrets under the new key-encryption key');
        await this.bus.publish('keys.kek.rotated', outcome, events);
      }
      return outcome;
    });
  }
}
