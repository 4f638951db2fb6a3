import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { BusEvent, EventDelivery } from '../events/index.js';
import { MfaService } from './mfa.service.js';

/** `user.deleted` → every second factor and recovery code of that user is removed, in the delete's unit of work. */
@Injectable()
export class UserFactorsCleanup {
  constructor(private readonly mfa: MfaService) {}

  @OnEvent('user.deleted', { async: true, promisify: true, suppressErrors: false })
  async onUserDeleted(event: BusEvent<'user.deleted'>, delivery?: EventDelivery): Promise<void> {
    await this.mfa.reset(event.payload.userId, event.actor, delivery?.tx);
  }
}
