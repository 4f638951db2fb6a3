import { availableParallelism } from 'node:os';
import { hash, parseOptions, verify } from '@node-rs/argon2';

/** OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
export interface Argon2Parameters {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const OWASP_ARGON2ID: Argon2Parameters = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };
const ARGON2ID = 2; // Algorithm.Argon2id (a const enum, not importable under isolatedModules)

/** A counting semaphore: at most `limit` hashes at once, so a login burst cannot starve the event loop's pool. */
class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * argon2id password hashing with concurrency capped near the core count. `needsRehash` tells
 * whether a stored hash was made with weaker parameters than today's, so sign-in can upgrade it.
 */
export class PasswordHasher {
  private readonly gate = new Semaphore(Math.max(1, availableParallelism()));
  private dummy?: Promise<string>;

  constructor(private readonly params: Argon2Parameters = OWASP_ARGON2ID) {}

  hash(password: string): Promise<string> {
    return this.gate.run(() => hash(password, { ...this.params, algorithm: ARGON2ID }));
  }

  async verify(stored: string, password: string): Promise<boolean> {
    return this.gate.run(() => verify(stored, password).catch(() => false));
  }

  /** Same cost as a real verification, for unknown accounts: timing must not reveal existence. */
  async verifyDummy(password: string): Promise<false> {
    this.dummy ??= this.hash('caduceus-dummy-password-for-timing');
    await this.verify(await this.dummy, password);
    return false;
  }

  needsRehash(stored: string): boolean {
    try {
      const p = parseOptions(stored);
      return (
        p.algorithm !== ARGON2ID ||
        p.memoryCost < this.params.memoryCost ||
        p.timeCost < this.params.timeCost ||
        p.parallelism !== this.params.parallelism
      );
    } catch {
      return true;
    }
  }
}
