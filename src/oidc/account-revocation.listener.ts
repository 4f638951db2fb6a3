import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { BusEvent, EventDelivery } from '../events/index.js';
import { OidcArtifactRepository } from './oidc-artifact.repository.js';

/**
 * `user.disabled` → every session of that user ends and every token, code and grant issued
 * to them is deleted, so refresh and introspection fail at once (not at expiry).
 * `client.disabled` / `client.deleted` → the same for every artifact issued to that client.
 * `user.protected_role_granted` → the same as `user.disabled`: they sign in again, with the role.
 * `breakglass.ended` → the emergency session's provider session, grants and tokens are deleted.
 * Inside the publisher's unit of work when it has one: the revocation commits with the change.
 */
@Injectable()
export class AccountRevocationListener {
  private readonly logger = new Logger(AccountRevocationListener.name);

  constructor(private readonly artifacts: OidcArtifactRepository) {}

  /** A disabled or deleted client's tokens stop working now, and stay dead if it is enabled again. */
  @OnEvent('client.disabled', { async: true, promisify: true, suppressErrors: false })
  @OnEvent('client.deleted', { async: true, promisify: true, suppressErrors: false })
  async onClientRemoved(event: BusEvent<'client.disabled'> | BusEvent<'client.deleted'>, delivery?: EventDelivery): Promise<void> {
    const removed = await this.artifacts.revokeByClient(event.payload.clientId, delivery?.tx);
    this.logger.log({ clientId: event.payload.clientId, removed }, 'revoked the tokens of a disabled or deleted client');
  }

  /** An administrator reset the password (new one or a link): whoever holds the old sessions signs in again. */
  @OnEvent('user.password.reset', { async: true, promisify: true, suppressErrors: false })
  async onPasswordReset(event: BusEvent<'user.password.reset'>, delivery?: EventDelivery): Promise<void> {
    const removed = await this.artifacts.revokeByAccount(event.payload.userId, delivery?.tx);
    this.logger.log({ userId: event.payload.userId, removed }, 'ended sessions after an administrative password reset');
  }

  /** An emergency session ended (on time or by a reviewer): what was issued in it stops working now. */
  @OnEvent('breakglass.ended', { async: true, promisify: true, suppressErrors: false })
  async onEmergencyEnded(event: BusEvent<'breakglass.ended'>, delivery?: EventDelivery): Promise<void> {
    const { userId, loginTs, sessionId } = event.payload;
    const removed = await this.artifacts.revokeEmergencySession(userId, loginTs, sessionId, delivery?.tx);
    this.logger.log({ userId, sessionId, removed }, 'revoked what an ended emergency session issued');
  }

  /** A person gained a protected role: a session opened before (by whoever knew their credentials then) does not carry it. */
  @OnEvent('user.protected_role_granted', { async: true, promisify: true, suppressErrors: false })
  async onProtectedRoleGranted(event: BusEvent<'user.protected_role_granted'>, delivery?: EventDelivery): Promise<void> {
    const removed = await this.artifacts.revokeByAccount(event.payload.userId, delivery?.tx);
    this.logger.log({ userId: event.payload.userId, removed }, 'ended sessions and revoked tokens of a person granted a protected role');
  }

  @OnEvent('user.disabled', { async: true, promisify: true, suppressErrors: false })
  async onUserDisabled(event: BusEvent<'user.disabled'>, delivery?: EventDelivery): Promise<void> {
    const removed = await this.artifacts.revokeByAccount(event.payload.userId, delivery?.tx);
    this.logger.log({ userId: event.payload.userId, removed }, 'ended sessions and revoked tokens of a disabled user');
  }
}
