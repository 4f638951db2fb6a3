import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { KeysService } from '../keys/index.js';
import { OidcService } from '../oidc/index.js';
import { messagePage } from '../ui/index.js';
import { csrfToken, csrfValid, sameOrigin } from './csrf.js';
import { INTERACTION_UID, htmlReply, seeOther, type InteractionDetails } from '../common/interaction.js';
import { isDatabaseUnavailable } from '../database/index.js';

export type { InteractionDetails };

/**
 * What every step's controller needs from the interaction: load it (or answer with a readable
 * page when it expired), check a form's CSRF token, finish it with a result (303), render a page.
 */
@Injectable()
export class InteractionsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
    private readonly keys: KeysService,
  ) {}

  async details(uid: string, req: FastifyRequest, reply: FastifyReply): Promise<InteractionDetails | undefined> {
    if (!INTERACTION_UID.test(uid)) {
      this.page(reply, 404, messagePage(this.config.brand, 'Sign-in not found', 'Return to the application and start again.'));
      return undefined;
    }
    try {
      const details = await this.oidc.current.interactionDetails(req.raw, reply.raw);
      if (details.uid !== uid) throw new Error('interaction cookie does not match the URL');
      return details;
    } catch (err) {
      // An outage is not an expired sign-in: the outage filter answers 503 and the person retries.
      if (isDatabaseUnavailable(err)) throw err;
      this.page(reply, 400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
      return undefined;
    }
  }

  async csrf(uid: string): Promise<string> {
    return csrfToken(await this.keys.getSecret('csrf-key'), uid);
  }

  /** The form's token and the browser's origin signals, for every POST of a step. */
  async formTrusted(uid: string, req: FastifyRequest, presented: unknown): Promise<boolean> {
    return (
      sameOrigin(req.headers as { origin?: string; 'sec-fetch-site'?: string }, this.config.issuer) &&
      csrfValid(await this.keys.getSecret('csrf-key'), uid, presented)
    );
  }

  async clientName(clientId: unknown): Promise<string | undefined> {
    return (await this.oidc.current.Client.find(String(clientId)))?.clientName;
  }

  /**
   * Hands the step's result to oidc-provider and sends the browser on (303). Merging keeps an
   * earlier step's result (the login) when a later interaction (consent) finishes: without it
   * a prompt=login request would ask for the password forever.
   */
  async finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults): Promise<void> {
    this.redirect(reply, await this.resultLocation(req, reply, result));
  }

  /** Stores the result and returns where the browser must go (for script-driven steps). */
  async resultLocation(req: FastifyRequest, reply: FastifyReply, result: InteractionResults): Promise<string> {
    return this.oidc.current.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: true });
  }

  redirect(reply: FastifyReply, location: string): void {
    seeOther(reply, location);
  }

  page(reply: FastifyReply, status: number, html: string): void {
    htmlReply(reply, status, html);
  }
}
