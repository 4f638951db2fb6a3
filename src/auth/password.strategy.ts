import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-local';
import { SignInService, type SignInOutcome } from './sign-in.service.js';

export const PASSWORD_STRATEGY = 'caduceus-password';

export type InteractionRequest = FastifyRequest<{ Params: { uid: string } }> & {
  signIn?: { clientId: string | null };
  /** Set by CsrfGuard when the form's token or Origin is wrong: no password is checked then. */
  csrfRefused?: boolean;
};

/**
 * Password sign-in as a passport strategy, so federation can add its own strategies beside it.
 * It never fails the request: the outcome (success or the reason code) goes to the handler,
 * which renders the same page for every failure.
 */
@Injectable()
export class PasswordStrategy extends PassportStrategy(Strategy, PASSWORD_STRATEGY) {
  constructor(private readonly signIn: SignInService) {
    super({ usernameField: 'email', passwordField: 'password', passReqToCallback: true, session: false });
  }

  async validate(request: InteractionRequest, email: string, password: string): Promise<SignInOutcome> {
    return this.signIn.attempt({
      email: email.slice(0, 320),
      password: password.slice(0, 1024),
      ip: request.ip ?? null,
      interactionUid: request.params.uid,
      clientId: request.signIn?.clientId ?? null,
    });
  }
}
