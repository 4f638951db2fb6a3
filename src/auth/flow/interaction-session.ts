import { isDatabaseUnavailable } from '../../database/index.js';
import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { EventBus } from '../../events/index.js';
import { KeysService } from '../../keys/index.js';
import { ACR_MFA, ACR_PASSWORD, EnrolmentAllowancesService, EnrolmentCodesService, MfaService } from '../../mfa/index.js';
import { AMR_EMERGENCY, OidcService } from '../../oidc/index.js';
import { messagePage } from '../../ui/index.js';
import { formToken, formTokenValid, sameOrigin } from '../../common/csrf.js';
import {
  INTERACTION_UID,
  htmlReply,
  seeOther,
  type InteractionDetails,
  type InteractionFormPurpose,
  type InteractionGrants,
  type InteractionResult,
  type ProvenLogin,
  type SignInBeginContext,
  type SignInStepContext,
  type EmergencyChallenge,
  type SignInStore,
  type StepOutcome,
} from '../../common/interaction.js';
import { SignInProgressRepository, type SignInProgress } from '../sign-in-progress.repository.js';
import { next } from './next.js';
import { FLOW_ROUTES, stageLocation, type FlowRoute, type FlowRouteName } from './routes.js';
import type { Step } from './sign-in-state.js';

const EXPIRED = ['This sign-in has expired', 'Return to the application and start again.'] as const;

/**
 * One request of a sign-in, as the dispatcher sees it: the interaction (its id checked and its
 * details loaded once), the stage it stands at, its form tokens, and the one place its result
 * is handed to oidc-provider. Steps get it as their StepContext and answer with an outcome;
 * `answer` turns the outcome into the HTTP reply.
 */
export class InteractionSession implements SignInStepContext, SignInBeginContext {
  readonly clientId: string | null;
  readonly ip: string | null;
  private storeOfRow?: SignInStore;

  constructor(
    readonly uid: string,
    readonly details: InteractionDetails,
    readonly route: FlowRoute,
    /** Where this sign-in stands (next() over what it has proven). */
    readonly stage: Step,
    /** The sign-in state row, once a first factor was proven and a second one is due. */
    readonly progress: SignInProgress | null,
    private readonly deps: SessionDeps,
    private readonly req: FastifyRequest,
    private readonly reply: FastifyReply,
  ) {
    this.clientId = details.params.client_id ? String(details.params.client_id) : null;
    this.ip = req.ip ?? null;
  }

  async csrf(purpose: InteractionFormPurpose): Promise<string> {
    return formToken(await this.deps.keys.getSecret('csrf-key'), purpose, this.uid);
  }

  /** The sign-in state row, at a stage that has one (every second-factor stage: stageOf). */
  get signIn(): SignInProgress {
    if (!this.progress) throw new Error('a stage with a sign-in state row, without one');
    return this.progress;
  }

  /** Opens this interaction's sign-in state row after a first factor (an emergency one stands at emergency_challenge). */
  async beginSignIn(first: { userId: string; amr: string[]; emergency?: EmergencyChallenge }): Promise<void> {
    await this.deps.progress.start(this.uid, first.userId, first.amr, this.deps.interactionTtl, first.emergency);
  }

  /** What a second-factor step may change in this interaction's state row. */
  get store(): SignInStore {
    const { progress } = this.deps;
    const uid = this.uid;
    this.storeOfRow ??= {
      addFailure: () => progress.addFailure(uid),
      setChallenge: (challenge) => progress.setChallenge(uid, challenge),
      takeChallenge: () => progress.takeChallenge(uid),
      setEnrolmentFactor: (factorId) => progress.setEnrolmentFactor(uid, factorId),
      markEnrolled: (amr, tx) => progress.markEnrolled(uid, amr, tx),
      claimRecoveryCodesShowing: (tx) => progress.claimRecoveryCodesShowing(uid, tx),
      allowEnrolment: () => progress.allowEnrolment(uid),
      finish: () => progress.finish(uid),
    };
    return this.storeOfRow;
  }

  /** The port the consent step grants through (it never speaks to oidc-provider itself). */
  get grants(): InteractionGrants {
    return this.deps.grants;
  }

  /** A sign-in that cannot go on (attempts used up, or no way to enrol): its state row ends and the app is told access_denied. */
  async denied(reason: 'too_many_attempts' | 'enrolment_not_allowed'): Promise<StepOutcome> {
    await this.deps.progress.finish(this.uid);
    return { kind: 'deny', error: 'access_denied', description: denial(reason) };
  }

  /** Sends the step's outcome to the browser; a finish or a proven login goes through the one interactionResult. */
  async answer(outcome: StepOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'page':
        return htmlReply(this.reply, outcome.status, outcome.html);
      case 'goto':
        return seeOther(this.reply, outcome.location);
      case 'json':
        return void this.reply.code(outcome.status).header('Cache-Control', 'no-store').send(outcome.body);
      case 'proven':
        // A proven login ends the sign-in's state row (its factors go on in the login).
        await this.deps.progress.finish(this.uid);
        return this.settle(loginResult(outcome.login), true);
      case 'finish': {
        const location = await this.result(outcome.result, outcome.merge ?? true);
        if (outcome.continueAt) return seeOther(this.reply, outcome.continueAt);
        return this.go(location);
      }
      case 'deny':
        await this.deps.progress.finish(this.uid);
        return this.settle({ error: outcome.error, error_description: outcome.description }, true);
    }
  }

  private async settle(result: InteractionResult, merge: boolean): Promise<void> {
    return this.go(await this.result(result, merge));
  }

  private go(location: string): void {
    if (this.route.kind === 'json') return void this.reply.code(200).header('Cache-Control', 'no-store').send({ redirect: location });
    seeOther(this.reply, location);
  }

  /**
   * THE call that hands a result to oidc-provider (every finish of every step comes here).
   * Merging keeps an earlier step's result (the login) when a later one (consent) finishes:
   * without it a prompt=login request would ask for the password forever.
   */
  private result(result: InteractionResult, merge: boolean): Promise<string> {
    return this.deps.oidc.current.interactionResult(this.req.raw, this.reply.raw, result as InteractionResults, { mergeWithLastSubmission: merge });
  }
}

/** The login result of a proven sign-in: acr from amr, and an emergency session marked and never remembered. */
export function loginResult(login: ProvenLogin): InteractionResult {
  const amr = login.emergency ? [...new Set([...login.amr, AMR_EMERGENCY])] : login.amr;
  const acr = login.secondFactor ? ACR_MFA : ACR_PASSWORD;
  if (login.emergency) return { login: { accountId: login.accountId, amr, acr, ts: login.emergency.ts, remember: false } };
  return { login: { accountId: login.accountId, amr, acr } };
}

interface SessionDeps {
  keys: KeysService;
  oidc: OidcService;
  grants: InteractionGrants;
  progress: SignInProgressRepository;
  /** Seconds a sign-in state row lives (the interaction's lifetime). */
  interactionTtl: number;
}

/**
 * Opens the InteractionSession of a request, in this order: the id's shape (404), the
 * interaction (400 when it expired or is another one), the stage the route serves (else 303
 * or 403, audited auth.flow.refused), and a POST's form token and origin (else `forged`).
 * Answers and returns undefined when any of these fails.
 */
@Injectable()
export class InteractionSessions {
  private readonly deps: SessionDeps;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly oidc: OidcService,
    private readonly keys: KeysService,
    private readonly progress: SignInProgressRepository,
    private readonly mfa: MfaService,
    private readonly enrolmentCodes: EnrolmentCodesService,
    private readonly enrolmentAllowances: EnrolmentAllowancesService,
    private readonly bus: EventBus,
  ) {
    this.deps = { keys, oidc, grants: providerGrants(oidc), progress, interactionTtl: config.ttl.interaction };
  }

  async open(
    uid: string,
    name: FlowRouteName,
    req: FastifyRequest,
    reply: FastifyReply,
    forged?: (s: InteractionSession) => Promise<StepOutcome>,
  ): Promise<InteractionSession | undefined> {
    const route: FlowRoute = FLOW_ROUTES[name];
    if (!INTERACTION_UID.test(uid)) {
      htmlReply(reply, 404, messagePage(this.config.brand, 'Sign-in not found', 'Return to the application and start again.'));
      return undefined;
    }
    let details: InteractionDetails;
    try {
      details = await this.oidc.current.interactionDetails(req.raw, reply.raw);
      if (details.uid !== uid) throw new Error('interaction cookie does not match the URL');
    } catch (err) {
      // An outage is not an expired sign-in: the outage filter answers 503 and the person retries.
      if (isDatabaseUnavailable(err)) throw err;
      htmlReply(reply, 400, messagePage(this.config.brand, ...EXPIRED));
      return undefined;
    }
    const progress = details.prompt.name === 'login' ? await this.progress.find(uid) : null;
    const stage = await this.stageOf(details, progress);
    const session = new InteractionSession(uid, details, route, stage, progress, this.deps, req, reply);
    if (!route.serves.includes(stage.stage)) {
      await this.refuse(session, route, req);
      return undefined;
    }
    if (route.csrf && route.method === 'POST') {
      const presented = route.kind === 'json' ? req.headers['x-csrf-token'] : (req.body as { csrf?: unknown } | undefined)?.csrf;
      const trusted =
        sameOrigin(req.headers as { origin?: string; 'sec-fetch-site'?: string | string[] }, this.config.issuer) &&
        formTokenValid(await this.keys.getSecret('csrf-key'), route.csrf, uid, presented);
      if (!trusted) {
        await session.answer(forged ? await forged(session) : defaultForged(this.config, route));
        return undefined;
      }
    }
    return session;
  }

  /** A route of another stage: audited; a GET goes to the current step, a POST is refused; a denied sign-in ends. */
  private async refuse(session: InteractionSession, route: FlowRoute, req: FastifyRequest): Promise<void> {
    const held = session.stage;
    await this.bus.publish('auth.flow.refused', {
      interactionUid: session.uid,
      userId: session.progress?.userId ?? session.details.session?.accountId ?? null,
      clientId: session.clientId,
      route: route.path,
      stageAsked: route.serves.join('|'),
      stageHeld: held.stage,
      ip: req.ip ?? null,
    });
    if (held.stage === 'denied') return session.answer(await session.denied(held.reason));
    if (route.kind === 'json') return session.answer({ kind: 'json', status: 403, body: { message: 'this step is not open in this sign-in' } });
    if (route.method === 'POST') return session.answer({ kind: 'page', status: 403, html: messagePage(this.config.brand, 'This step is not open', 'Return to the application and start again.') });
    return session.answer({ kind: 'goto', location: stageLocation(session.uid, held.stage) });
  }

  /**
   * Where the sign-in stands. The consent prompt is open once oidc-provider holds a login; before
   * that, without a state row nothing is proven (identify); with one, next() over the factors the
   * row records as proven in this interaction (first factors, and a factor enrolled here; a
   * challenge that succeeds finishes the interaction at once, and an upstream's untrusted amr
   * proves nothing). Under invite-only a user without a factor who holds a setup-link allowance
 * may enrol here (the row then records enrolment as allowed). A row exists only when MFA was due (MfaStep.begin); the stage found is
   * written back to it.
   */
  private async stageOf(details: InteractionDetails, state: SignInProgress | null): Promise<Step> {
    if (details.prompt.name === 'consent') return { stage: 'consent' };
    if (!state) return { stage: 'identify' };
    const proven = state.proven;
    const hasFactor = await this.mfa.hasFactor(state.userId);
    const enrolment = this.config.mfa.enrolment;
    // invite-only: a live setup-link allowance opens enrolment for this interaction (spent when a factor is enrolled).
    if (enrolment === 'invite-only' && !hasFactor && !state.enrolmentAllowed && (await this.enrolmentAllowances.claim(state.userId))) {
      await this.progress.allowEnrolment(state.interactionUid);
      state.enrolmentAllowed = true;
    }
    const enrolmentCodePending = enrolment === 'invite-only' && !hasFactor && !state.enrolmentAllowed && (await this.enrolmentCodes.pending(state.userId));
    const step = next(
      { proven, hasFactor, enrolled: state.factorEnrolled, failures: state.mfaFailures, enrolmentAllowed: state.enrolmentAllowed, enrolmentCodePending },
      { mfaRequired: true, maxAttempts: this.config.mfa.maxAttempts, enrolment },
      { consentNeeded: false },
    );
    if (step.stage !== state.stage) await this.progress.setStage(state.interactionUid, step.stage);
    return step;
  }
}

function denial(reason: 'too_many_attempts' | 'enrolment_not_allowed'): string {
  return reason === 'too_many_attempts'
    ? 'too many failed verification attempts'
    : 'a second factor must be set up with an enrolment code from an administrator';
}

function defaultForged(config: AppConfig, route: FlowRoute): StepOutcome {
  if (route.kind === 'json') return { kind: 'json', status: 403, body: { message: 'forbidden' } };
  return { kind: 'page', status: 403, html: messagePage(config.brand, 'This form has expired', 'Return to the application and start again.') };
}

/** The consent step's port onto oidc-provider's clients and grants. */
function providerGrants(oidc: OidcService): InteractionGrants {
  return {
    async client(clientId) {
      const client = await oidc.current.Client.find(clientId);
      return client ? { name: client.clientName } : null;
    },
    async grant({ reuse, accountId, clientId, missing, resources }) {
      const provider = oidc.current;
      const found = reuse ? await provider.Grant.find(reuse) : undefined;
      if (reuse && !found) throw new Error('the grant of this interaction no longer exists');
      const grant = found ?? new provider.Grant({ accountId, clientId });
      if (missing.oidcScopes.length) grant.addOIDCScope(missing.oidcScopes.join(' '));
      if (missing.oidcClaims.length) grant.addOIDCClaims(missing.oidcClaims);
      for (const [indicator, scopes] of Object.entries(missing.resourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      return {
        grantId,
        granted: {
          oidcScopes: grant.getOIDCScope().split(' ').filter(Boolean),
          oidcClaims: grant.getOIDCClaims(),
          resourceScopes: Object.fromEntries(resources.map((r) => [r, grant.getResourceScope(r).split(' ').filter(Boolean)])),
        },
      };
    },
  };
}
