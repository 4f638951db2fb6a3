import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type * as oidc from 'openid-client';
import { Strategy as OpenIdStrategy } from 'openid-client/passport';
import { FederationBroker, type FederatedLogin } from './federation-broker.service.js';
import { FederationError } from './federation.errors.js';
import type { FederationFailureReason } from './federation.events.js';
import type { FlowRow } from './federation.repository.js';
import { upstreamFailure } from './upstream-clients.js';

export const FEDERATION_STRATEGY = 'caduceus-federation';

export type FederationCallbackRequest = FastifyRequest<{ Querystring: Record<string, string | undefined> }> & {
  federationFlow?: FlowRow;
  session?: Record<string, unknown>;
};

export type CallbackOutcome =
  | { ok: true; login: FederatedLogin; flow: FlowRow }
  | { ok: false; reason: FederationFailureReason; flow?: FlowRow; userId?: string };

type Done = (err: unknown, user?: unknown, info?: unknown) => void;

/**
 * passport's side of a strategy (passport fills in success/fail/error/redirect per request).
 * The upstream is chosen per request, so this base only holds the verify callback that
 * @nestjs/passport's mixin passes and lets the subclass dispatch.
 */
class UpstreamDispatchStrategy {
  name = FEDERATION_STRATEGY;
  declare success: (user: unknown, info?: unknown) => void;
  declare fail: (challenge?: unknown, status?: number) => void;
  declare error: (err: unknown) => void;
  declare redirect: (url: string, status?: number) => void;
  declare pass: () => void;
  constructor(protected readonly verifyCallback: (req: unknown, tokens: unknown, done: Done) => void) {}
}

/**
 * The upstream callback as a passport strategy through @nestjs/passport: the flow named by
 * `state` picks the IdP, and openid-client's own passport Strategy does the code exchange and
 * validates the ID token (JWKS signature, iss, aud, exp, nonce; PKCE and state) with the
 * request state we kept server-side (given to it as the `session` it expects).
 */
@Injectable()
export class FederationStrategy extends PassportStrategy(UpstreamDispatchStrategy, FEDERATION_STRATEGY) {
  constructor(private readonly broker: FederationBroker) {
    super();
  }

  authenticate(req: FederationCallbackRequest, options?: Record<string, unknown>): void {
    this.dispatch(req, options ?? {}).catch((err: unknown) => this.error(err));
  }

  private async dispatch(req: FederationCallbackRequest, options: Record<string, unknown>): Promise<void> {
    const query = req.query ?? {};
    const state = typeof query.state === 'string' ? query.state : undefined;
    // Only answers to a request we made are processed; nothing here starts a new one.
    if (!state || (!query.code && !query.error)) return this.fail({ message: 'unknown_flow' }, 400);
    const found = await this.broker.flowForCallback(state);
    if (!found) return this.fail({ message: 'unknown_flow' }, 400);
    req.federationFlow = found.flow;
    req.session = { upstream: (found.flow.request as { upstream: unknown }).upstream };
    const upstream = new OpenIdStrategy(
      { config: found.config, callbackURL: this.broker.callbackUrl, sessionKey: 'upstream', passReqToCallback: true, name: FEDERATION_STRATEGY },
      ((request: unknown, tokens: unknown, verified: Done) => this.verifyCallback(request, tokens, verified)) as never,
    );
    const run = Object.create(upstream) as Record<string, unknown> & { authenticate(this: unknown, req: never, options: object): void };
    run.success = (user: unknown, info: unknown) => this.success(user, info);
    run.fail = (challenge: unknown, status?: number) => this.fail(challenge, status);
    run.error = (err: unknown) => this.error(err);
    run.redirect = () => this.fail({ message: 'unknown_flow' }, 400);
    run.pass = () => this.pass();
    run.currentUrl = () => new URL(req.url, this.broker.callbackUrl);
    run.authenticate.call(run, req as never, options);
  }

  async validate(req: FederationCallbackRequest, tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): Promise<FederatedLogin> {
    return this.broker.resolve(req.federationFlow!, tokens);
  }
}

/** Runs the federation strategy and hands every outcome, success or failure, to the handler as `request.user`. */
@Injectable()
export class FederationAuthGuard extends AuthGuard(FEDERATION_STRATEGY) {
  override handleRequest<T = CallbackOutcome>(err: unknown, user: unknown, info: unknown, context: ExecutionContext): T {
    const req = context.switchToHttp().getRequest<FederationCallbackRequest>();
    const flow = req.federationFlow;
    if (user && !err) return { ok: true, login: user as FederatedLogin, flow: flow! } as T;
    if (err) {
      return { ok: false, reason: upstreamFailure(err), flow, ...(err instanceof FederationError && err.userId ? { userId: err.userId } : {}) } as T;
    }
    const error = (info as { error?: unknown } | undefined)?.error;
    return { ok: false, reason: error === 'access_denied' ? 'upstream_denied' : 'unknown_flow', flow } as T;
  }
}
