import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import { PASSWORD_STRATEGY, type InteractionRequest } from './password.strategy.js';
import type { SignInOutcome } from './sign-in.service.js';

/**
 * Runs the password strategy and hands its outcome to the handler as `request.user`.
 * A missing field (passport-local's own failure) becomes an `invalid_input` outcome.
 */
@Injectable()
export class PasswordAuthGuard extends AuthGuard(PASSWORD_STRATEGY) {
  override handleRequest<T = SignInOutcome>(err: unknown, user: unknown, _info: unknown, _context: ExecutionContext): T {
    if (err) throw err;
    return (user || { ok: false, reason: 'invalid_input' }) as T;
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.switchToHttp().getRequest<InteractionRequest>().csrfRefused) return true;
    await super.canActivate(context);
    return true;
  }
}
