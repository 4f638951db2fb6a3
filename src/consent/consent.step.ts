import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { IdentityService } from '../identity/index.js';
import { messagePage, type SafeHtml } from '../ui/index.js';
import { consentPage, patientPickerPage } from './consent-pages.js';
import { page, type InteractionDetails, type InteractionGrants, type StepContext, type StepOutcome } from '../common/interaction.js';
import { ClientPolicyService } from './client-policy.service.js';
import {
  choosePatient,
  consentRoute,
  launchNeeds,
  missingFrom,
  type ConsentRoute,
  type PatientChoice,
  type ScopeSet,
} from './consent-decision.js';
import { CONSENT_CLOCK, type ConsentClock } from './consent-clock.js';
import { ConsentService } from './consent.service.js';
import { ScopeCatalogueService } from './scope-catalogue.service.js';
import { SmartContextService } from './smart-context.service.js';
import type { StoredLaunch } from './smart-launch.js';
import { SmartLaunchService } from './smart-launch.service.js';

export type { InteractionDetails };

/** The consent step's request: the dispatcher's context and its port to the provider's grants. */
export interface ConsentContext extends StepContext {
  grants: InteractionGrants;
}

/** Everything the consent step decides from: who, which app, what is asked and missing, which patient, which route. */
interface Situation {
  accountId: string;
  clientId: string;
  clientName: string;
  requested: string[];
  missing: ScopeSet;
  needs: { patient: boolean; encounter: boolean };
  choice: PatientChoice;
  route: ConsentRoute;
  recordId: string | null;
  /** The EHR launch this request used (its context replaces the patient picker), or null. */
  launch: StoredLaunch | null;
}

export const ACCOUNT_APPS_PATH = '/account/apps';

/**
 * The consent step of the sign-in. It shows the patient picker when a SMART launch needs a
 * patient and the user may open several, then the consent page — or finishes silently when the
 * app is a trusted first-party app (recorded) or an earlier consent already covers the request.
 * It never decides who the user is and never widens what the provider narrowed. It answers
 * with an outcome (src/common/interaction.ts); the dispatcher (src/auth/flow) has already
 * checked the form, the stage and that an EHR launch's user is the one signed in.
 */
@Injectable()
export class ConsentStep {
  private readonly logger = new Logger(ConsentStep.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONSENT_CLOCK) private readonly clock: ConsentClock,
    private readonly consent: ConsentService,
    private readonly policies: ClientPolicyService,
    private readonly smart: SmartContextService,
    private readonly catalogue: ScopeCatalogueService,
    private readonly launches: SmartLaunchService,
    private readonly identity: IdentityService,
  ) {}

  /** GET /interaction/:uid for the consent prompt. */
  async show(ctx: ConsentContext): Promise<StepOutcome> {
    try {
      const situation = await this.situation(ctx);
      switch (situation.choice.kind) {
        case 'none-available':
          return { kind: 'finish', result: { error: 'access_denied', error_description: 'no patient record is available to this user' }, merge: false };
        case 'pick':
          return page(200, await this.pickerHtml(ctx, situation, situation.choice));
        case 'not-needed':
        case 'chosen':
          break;
      }
      switch (situation.route) {
        case 'first_party':
          return this.complete(ctx, situation, 'first_party');
        case 'covered':
          return this.complete(ctx, situation, 'covered');
        case 'ask':
          return page(200, await this.consentHtml(ctx, situation));
      }
    } catch (err) {
      this.logger.warn({ err }, 'consent step failed');
      return page(400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
    }
  }

  /** POST /interaction/:uid/patient: remembers the chosen patient (only one the user may open) and shows the next step. */
  async choosePatient(ctx: ConsentContext, patientId: unknown): Promise<StepOutcome> {
    const situation = await this.situation(ctx);
    // An EHR launch has its patient already: there is nothing to pick.
    if (situation.launch) return this.show(ctx);
    const choice = choosePatient(situation.needs.patient, await this.smart.patientsFor(situation.accountId), patientId);
    if (choice.kind !== 'chosen') {
      return page(400, await this.pickerHtml(ctx, situation, situation.choice.kind === 'pick' ? situation.choice : { kind: 'pick', patients: [] }));
    }
    return { kind: 'finish', result: { smart: { patient: choice.patient.patientId } }, merge: true, continueAt: `/interaction/${ctx.uid}` };
  }

  /** POST /interaction/:uid/consent: Allow records the consent and finishes; Deny ends the request with access_denied. */
  async decide(ctx: ConsentContext, decision: unknown): Promise<StepOutcome> {
    const situation = await this.situation(ctx);
    if (decision !== 'allow') {
      await this.consent.denied(situation.accountId, situation.clientId, situation.requested);
      return { kind: 'finish', result: { error: 'access_denied', error_description: 'the user did not allow this request' }, merge: false };
    }
    if (situation.choice.kind === 'pick' || situation.choice.kind === 'none-available') {
      // Allow without a patient chosen (a forged or replayed form): back to the picker.
      return this.show(ctx);
    }
    return this.complete(ctx, situation, situation.route === 'first_party' ? 'first_party' : 'consent_page');
  }

  private async situation(ctx: ConsentContext): Promise<Situation> {
    const { details } = ctx;
    const accountId = details.session?.accountId;
    if (!accountId || details.prompt.name !== 'consent') throw new Error('the interaction is not at its consent step');
    const clientId = String(details.params.client_id);
    const client = await ctx.grants.client(clientId);
    if (!client) throw new Error('the client of this interaction is gone');
    const requested = String(details.params.scope ?? '').split(' ').filter(Boolean);
    const missing = missingFrom(details.prompt.details as Record<string, unknown>);
    const launch = await this.launches.ofInteraction(details.params.launch, clientId);
    if (details.params.launch !== undefined && !launch) throw new Error('the EHR launch of this interaction is gone');
    const needs = launch ? { patient: true, encounter: Boolean(launch.context.encounter) } : launchNeeds(requested);
    const selected = (details.result as { smart?: { patient?: unknown } } | undefined)?.smart?.patient;
    const choice: PatientChoice = launch
      ? { kind: 'chosen', patient: { patientId: launch.context.patient, displayName: 'The patient open in your EHR', encounterId: launch.context.encounter } }
      : choosePatient(needs.patient, needs.patient ? await this.smart.patientsFor(accountId) : [], selected);
    const record = await this.consent.findLive(accountId, clientId);
    const prompts = String(details.params.prompt ?? '').split(' ');
    const route = consentRoute({
      firstParty: await this.policies.isFirstParty(clientId),
      promptRequested: prompts.includes('consent'),
      record,
      missing,
      now: this.clock.now(),
    });
    return { accountId, clientId, clientName: client.name ?? clientId, requested, missing, needs, choice, route, recordId: record?.id ?? null, launch };
  }

  /**
   * Grants what is missing on a provider grant and finishes the interaction. A launch that needs
   * a patient gets a fresh provider grant (its launch context is its own); otherwise the
   * session's grant, when there is one, is extended.
   */
  private async complete(ctx: ConsentContext, s: Situation, via: 'consent_page' | 'first_party' | 'covered'): Promise<StepOutcome> {
    const { details } = ctx;
    const reuse = details.grantId && !s.needs.patient ? details.grantId : undefined;
    const { grantId: oidcGrantId, granted } = await ctx.grants.grant({ reuse, accountId: s.accountId, clientId: s.clientId, missing: s.missing, resources: resourcesOf(details) });
    if (s.launch) await this.launches.bindGrant(s.launch.id, oidcGrantId);
    const patient = s.choice.kind === 'chosen' ? s.choice.patient : null;
    const link = {
      oidcGrantId,
      sessionUid: details.session?.uid ?? null,
      patientId: patient?.patientId ?? null,
      encounterId: s.needs.encounter ? (patient?.encounterId ?? null) : null,
      expiresAt: new Date(this.clock.now().getTime() + this.config.ttl.refreshTokenAbsolute * 1000),
    };
    if (via === 'covered' && s.recordId) await this.consent.link(s.recordId, link);
    else await this.consent.record({ userId: s.accountId, clientId: s.clientId, granted, via: via === 'covered' ? 'consent_page' : via, authorization: link });
    return { kind: 'finish', result: { consent: { grantId: oidcGrantId } }, merge: true };
  }

  private async consentHtml(ctx: ConsentContext, s: Situation): Promise<SafeHtml> {
    const groups = await this.catalogue.describe(s.requested);
    const days = Math.round(this.config.consent.ttlSeconds / 86400);
    const user = await this.identity.findById(s.accountId);
    const name = [user?.givenName, user?.familyName].filter(Boolean).join(' ');
    return consentPage(this.config.brand, {
      signedInAs: user ? { name: name || undefined, email: user.email } : undefined,
      action: `/interaction/${ctx.uid}/consent`,
      csrf: await ctx.csrf('consent'),
      clientName: s.clientName,
      groups: groups.map((g) => ({ label: g.label, items: g.items.map((i) => ({ scope: i.scope, text: i.text })) })),
      patientName: s.choice.kind === 'chosen' ? s.choice.patient.displayName : undefined,
      lasts: days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${Math.round(this.config.consent.ttlSeconds / 3600)} hours`,
      manageUrl: ACCOUNT_APPS_PATH,
    });
  }

  private async pickerHtml(ctx: ConsentContext, s: Situation, choice: Extract<PatientChoice, { kind: 'pick' }>): Promise<SafeHtml> {
    return patientPickerPage(this.config.brand, {
      action: `/interaction/${ctx.uid}/patient`,
      csrf: await ctx.csrf('patient'),
      clientName: s.clientName,
      patients: choice.patients.map((p) => ({ id: p.patientId, name: p.displayName })),
    });
  }
}

function resourcesOf(details: InteractionDetails): string[] {
  const r = details.params.resource;
  return Array.isArray(r) ? r.map(String) : r ? [String(r)] : [];
}
