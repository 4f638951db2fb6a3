import { Controller, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { KeysService } from '../keys/index.js';
import { OidcService } from '../oidc/index.js';
import { messagePage } from '../ui/index.js';
import { INTERACTION_UID, htmlReply, type InteractionDetails } from '../common/interaction.js';
import { formTokenValid, sameOrigin, type FormPurpose } from './consent-csrf.js';
import { ConsentStep } from './consent.step.js';
import { isDatabaseUnavailable } from '../database/index.js';

const UID = INTERACTION_UID;

/**
 * The consent step's forms: the patient picker and Allow / Deny. Each POST checks the form's
 * CSRF token (bound to the interaction) and origin, reloads the interaction, and answers 303.
 */
@ApiExcludeController()
@Controller('interaction')
export class ConsentInteractionController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
    private readonly keys: KeysService,
    private readonly step: ConsentStep,
  ) {}

  @Post(':uid/consent')
  async consent(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.checked(uid, 'consent', req, reply);
    if (!details) return;
    await this.step.decide(details, (req.body as { decision?: unknown } | undefined)?.decision, req, reply);
  }

  @Post(':uid/patient')
  async patient(@Param('uid') uid: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const details = await this.checked(uid, 'patient', req, reply);
    if (!details) return;
    await this.step.choosePatient(uid, details, (req.body as { patient?: unknown } | undefined)?.patient, req, reply);
  }

  /** The interaction of this form, or undefined after answering with a page (bad token, expired, wrong step). */
  private async checked(uid: string, purpose: FormPurpose, req: FastifyRequest, reply: FastifyReply): Promise<InteractionDetails | undefined> {
    const body = (req.body ?? {}) as { csrf?: unknown };
    const valid =
      UID.test(uid) &&
      sameOrigin(req.headers as { origin?: string }, this.config.issuer) &&
      formTokenValid(await this.keys.getSecret('csrf-key'), purpose, uid, body.csrf);
    if (!valid) {
      this.page(reply, 403, messagePage(this.config.brand, 'This form has expired', 'Return to the application and start again.'));
      return undefined;
    }
    try {
      const details = await this.oidc.current.interactionDetails(req.raw, reply.raw);
      if (details.uid !== uid || details.prompt.name !== 'consent') throw new Error('not this interaction, or not at its consent step');
      return details;
    } catch (err) {
      // An outage is not an expired sign-in: the outage filter answers 503 and the person retries.
      if (isDatabaseUnavailable(err)) throw err;
      this.page(reply, 400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
      return undefined;
    }
  }

  private page(reply: FastifyReply, status: number, html: string): void {
    htmlReply(reply, status, html);
  }
}
