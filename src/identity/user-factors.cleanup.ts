import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { BusEvent } from '../events/index.js';
import { MfaService } from '../mfa/index.js';

/** `user.deleted` → every second factor and recovery code of that user is removed (before the delete returns). */
@Injectable()
export class UserFactorsCleanup {
  constructor(private readonly mfa: MfaService) {}

  @OnEvent('user.deleted', { async: true, promisify: true, suppressErrors: false })
  async onUserDeleted(event: BusEvent<'user.deleted'>): Promise<void> {
    await this.mfa.reset(event.payload.userId, event.actor);
  }
}
