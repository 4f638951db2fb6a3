import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import type { FastifyReply } from 'fastify';
import { KeysService } from '../keys/index.js';
import { OidcService } from '../oidc/index.js';
import { INTERACTION_UID } from '../common/interaction.js';
import { csrfValid, sameOrigin } from './csrf.js';
import type { InteractionRequest } from './password.strategy.js';
import { SignInService, type SignInOutcome } from './sign-in.service.js';

const UID = INTERACTION_UID;


/**
 * Refuses a sign-in POST whose CSRF token or Origin is wrong before any password is checked;
 * the browser gets the same generic page, the audit trail gets reason `csrf`.
 */
@Injectable()
export class CsrfGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly keys: KeysService,
    private readonly signIn: SignInService,
    private readonly oidc: OidcService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<InteractionRequest & { user?: SignInOutcome }>();
    const uid = req.params.uid;
    const body = (req.body ?? {}) as { csrf?: unknown };
    // The client this sign-in is for, so every outcome's audit record names it.
    const details = await this.oidc.current
      .interactionDetails(req.raw, context.switchToHttp().getResponse<FastifyReply>().raw)
      .catch(() => undefined);
    req.signIn = { clientId: details?.params.client_id ? String(details.params.client_id) : null };
    const ok =
      UID.test(uid) &&
      sameOrigin(req.headers as { origin?: string }, this.config.issuer) &&
      csrfValid(await this.keys.getSecret('csrf-key'), uid, body.csrf);
    if (!ok) {
      req.user = await this.signIn.refuse({ ip: req.ip ?? null, interactionUid: uid, clientId: req.signIn.clientId }, 'csrf');
      // Skip the password strategy: the handler renders the generic failure.
      req.csrfRefused = true;
    }
    return true;
  }
}
