import { Injectable, Logger } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { EventBus, type BusEvent, type EventActor, type EventDelivery } from '../events/index.js';
import { OidcArtifactRepository, type ArtifactPayload } from './oidc-artifact.repository.js';

/** A signed-in session as administrators see it: never its id (the cookie value), only its uid. */
export interface SessionView {
  uid: string;
  accountId: string;
  loginAt: string | null;
  amr: string[];
  acr: string | null;
  clientIds: string[];
  expiresAt: string | null;
}

export interface SessionAction {
  actor: EventActor;
  correlationId?: string;
}

/**
 * Signed-in sessions (oidc-provider Session artifacts): list them, end one, end all of a user's.
 * Ending a session deletes it and every grant, code and token issued under its authorisations,
 * so a refresh token from it fails at once. A deleted user's sessions and tokens go the same way.
 */
@Injectable()
export class SessionsService {
  private readonly logger = new Logger(SessionsService.name);

  constructor(
    private readonly artifacts: OidcArtifactRepository,
    private readonly bus: EventBus,
  ) {}

  async list(opts: { limit: number; afterUid?: string; accountId?: string }): Promise<SessionView[]> {
    const rows = await this.artifacts.listSessions(opts);
    return rows.map((r) => toView(r.payload, r.expiresAt));
  }

  /** The account signed in to the session with this uid, or undefined when there is no such signed-in session. */
  async accountOf(uid: string): Promise<string | undefined> {
    return this.artifacts.sessionAccount(uid);
  }

  /** Ends one session (of `accountId` when given); false when there is no such signed-in session. */
  async revoke(uid: string, action: SessionAction, accountId?: string): Promise<boolean> {
    const session = await this.artifacts.revokeSession(uid, accountId);
    if (!session) return false;
    const view = toView(session, null);
    await this.bus.publish('session.revoked', { sessionUid: view.uid, accountId: view.accountId, clientIds: view.clientIds, reason: 'session' }, action);
    return true;
  }

  /** Ends every session of the user, then deletes every token, code and grant still issued to them. */
  async revokeAllOfUser(accountId: string, action: SessionAction): Promise<number> {
    let ended = 0;
    for (;;) {
      const batch = await this.artifacts.listSessions({ limit: 100, accountId });
      if (!batch.length) break;
      for (const { payload } of batch) {
        const session = await this.artifacts.revokeSession(String(payload.uid), accountId);
        if (!session) continue;
        const view = toView(session, null);
        ended += 1;
        await this.bus.publish('session.revoked', { sessionUid: view.uid, accountId, clientIds: view.clientIds, reason: 'user' }, action);
      }
    }
    await this.artifacts.revokeByAccount(accountId);
    return ended;
  }

  @OnEvent('user.deleted', { async: true, promisify: true, suppressErrors: false })
  async onUserDeleted(event: BusEvent<'user.deleted'>, delivery?: EventDelivery): Promise<void> {
    const removed = await this.artifacts.revokeByAccount(event.payload.userId, delivery?.tx);
    this.logger.log({ userId: event.payload.userId, removed }, 'ended sessions and revoked tokens of a deleted user');
  }
}

function toView(payload: ArtifactPayload, expiresAt: Date | null): SessionView {
  const authorizations = (payload.authorizations ?? {}) as Record<string, unknown>;
  return {
    uid: String(payload.uid),
    accountId: String(payload.accountId),
    loginAt: typeof payload.loginTs === 'number' ? new Date(payload.loginTs * 1000).toISOString() : null,
    amr: Array.isArray(payload.amr) ? payload.amr.map(String) : [],
    acr: typeof payload.acr === 'string' ? payload.acr : null,
    clientIds: Object.keys(authorizations),
    expiresAt: expiresAt?.toISOString() ?? null,
  };
}
