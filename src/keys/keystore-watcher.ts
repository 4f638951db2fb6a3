import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { JobTicks, scheduleJob, unscheduleJob } from '../common/scheduled-job.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';
import type { SigningKeyState } from './entities/signing-key.entity.js';
import { KeysRepository } from './keys.repository.js';

const JOB = 'keys-keystore-watch';

export interface KeystoreState {
  fingerprint: string;
  activeKids: string[];
}

/** Identifies the published keystore: which keys, in which state. Order-independent. */
export function keystoreFingerprint(keys: ReadonlyArray<{ kid: string; state: SigningKeyState }>): KeystoreState {
  const sorted = [...keys].sort((a, b) => (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0));
  const fingerprint = createHash('sha256')
    .update(sorted.map((k) => `${k.kid}:${k.state}`).join('\n'))
    .digest('base64url')
    .slice(0, 22);
  return { fingerprint, activeKids: sorted.filter((k) => k.state === 'active').map((k) => k.kid) };
}

/**
 * Makes every instance serve the same keystore within seconds. A change made here is announced
 * at once (`keys.rotated`, origin local); a change made by another instance is noticed by a
 * poll of a tiny query (kid and state of published keys) and announced with origin remote.
 * PostgreSQL LISTEN is not used: the embedded database has a single connection.
 * An announcement whose listeners fail (the keystore could not be reloaded) is retried on the
 * next poll: the fingerprint is recorded only once every listener succeeded.
 */
@Injectable()
export class KeystoreWatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeystoreWatcher.name);
  private readonly ticks = new JobTicks(this.logger, 'checking the signing keystore for changes');
  private announced?: string;
  private polling = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: KeysRepository,
    private readonly bus: EventBus,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    scheduleJob(this.scheduler, JOB, this.config.keys.pollIntervalSeconds * 1000, () => this.poll());
  }

  onApplicationShutdown(): void {
    unscheduleJob(this.scheduler, JOB);
  }

  /** The keystore a consumer loaded at start: the first poll must not announce it again. */
  observeLoaded(fingerprint: string): void {
    this.announced ??= fingerprint;
  }

  /** After a change made by this instance (under the keys lock). */
  async announceLocalChange(): Promise<void> {
    await this.announce('local', await this.current());
  }

  /** One poll: announces the keystore when it differs from the last one announced. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.ticks.run(async () => {
        const state = await this.current();
        if (state.fingerprint !== this.announced) await this.announce('remote', state);
      });
    } finally {
      this.polling = false;
    }
  }

  private async current(): Promise<KeystoreState> {
    return keystoreFingerprint(await this.repo.publishedStates());
  }

  private async announce(origin: 'local' | 'remote', state: KeystoreState): Promise<void> {
    try {
      await this.bus.publish('keys.rotated', { origin, fingerprint: state.fingerprint, activeKids: state.activeKids });
      this.announced = state.fingerprint;
    } catch (err) {
      this.logger.error({ err, fingerprint: state.fingerprint }, 'a listener could not take the new signing keystore; retrying at the next poll');
    }
  }
}
