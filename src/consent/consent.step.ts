import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { InteractionResults } from 'oidc-provider';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { KeysService } from '../keys/index.js';
import { OidcService } from '../oidc/index.js';
import { consentPage, messagePage, patientPickerPage } from '../ui/index.js';
import { htmlReply, seeOther, type InteractionDetails } from '../common/interaction.js';
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
import { formToken } from './consent-csrf.js';
import { ConsentService } from './consent.service.js';
import { ScopeCatalogueService } from './scope-catalogue.service.js';
import { SmartContextService } from './smart-context.service.js';
import { launchUserMatches, type StoredLaunch } from './smart-launch.js';
import { SmartLaunchService } from './smart-launch.service.js';

export type { InteractionDetails };

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
 * It never decides who the user is and never widens what the provider narrowed.
 */
@Injectable()
export class ConsentStep {
  private readonly logger = new Logger(ConsentStep.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CONSENT_CLOCK) private readonly clock: ConsentClock,
    private readonly oidc: OidcService,
    private readonly keys: KeysService,
    private readonly consent: ConsentService,
    private readonly policies: ClientPolicyService,
    private readonly smart: SmartContextService,
    private readonly catalogue: ScopeCatalogueService,
    private readonly launches: SmartLaunchService,
  ) {}

  /** GET /interaction/:uid for the consent prompt (called by the sign-in dispatcher). */
  async show(uid: string, details: InteractionDetails, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    try {
      const situation = await this.situation(details);
      if (await this.launchUserRefused(situation)) return this.refuseLaunchUser(req, reply);
      switch (situation.choice.kind) {
        case 'none-available':
          return this.finish(req, reply, { error: 'access_denied', error_description: 'no patient record is available to this user' }, false);
        case 'pick':
          return this.page(reply, 200, await this.pickerHtml(uid, situation, situation.choice));
        case 'not-needed':
        case 'chosen':
          break;
      }
      switch (situation.route) {
        case 'first_party':
          return this.complete(details, situation, 'first_party', req, reply);
        case 'covered':
          return this.complete(details, situation, 'covered', req, reply);
        case 'ask':
          return this.page(reply, 200, await this.consentHtml(uid, situation));
      }
    } catch (err) {
      this.logger.warn({ err }, 'consent step failed');
      return this.page(reply, 400, messagePage(this.config.brand, 'This sign-in has expired', 'Return to the application and start again.'));
    }
  }

  /** POST /interaction/:uid/patient: remembers the chosen patient (only one the user may open) and shows the next step. */
  async choosePatient(uid: string, details: InteractionDetails, patientId: unknown, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const situation = await this.situation(details);
    // An EHR launch has its patient already: there is nothing to pick.
    if (situation.launch) return this.show(uid, details, req, reply);
    const choice = choosePatient(situation.needs.patient, await this.smart.patientsFor(situation.accountId), patientId);
    if (choice.kind !== 'chosen') {
      return this.page(reply, 400, await this.pickerHtml(uid, situation, situation.choice.kind === 'pick' ? situation.choice : { kind: 'pick', patients: [] }));
    }
    await this.oidc.current.interactionResult(req.raw, reply.raw, { smart: { patient: choice.patient.patientId } }, { mergeWithLastSubmission: true });
    seeOther(reply, `/interaction/${uid}`);
  }

  /** POST /interaction/:uid/consent: Allow records the consent and finishes; Deny ends the request with access_denied. */
  async decide(details: InteractionDetails, decision: unknown, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const situation = await this.situation(details);
    if (await this.launchUserRefused(situation)) return this.refuseLaunchUser(req, reply);
    if (decision !== 'allow') {
      await this.consentDenied(situation);
      return this.finish(req, reply, { error: 'access_denied', error_description: 'the user did not allow this request' }, false);
    }
    if (situation.choice.kind === 'pick' || situation.choice.kind === 'none-available') {
      // Allow without a patient chosen (a forged or replayed form): back to the picker.
      return this.show(String(details.uid), details, req, reply);
    }
    return this.complete(details, situation, situation.route === 'first_party' ? 'first_party' : 'consent_page', req, reply);
  }

  /**
   * The EHR launched for one person: anyone else who signed in is refused (and it is audited).
   * The rule itself is launchUserMatches (pure), so the sign-in dispatcher can call it as it is.
   */
  private async launchUserRefused(s: Situation): Promise<boolean> {
    if (!s.launch) return false;
    if (launchUserMatches(s.launch, { id: s.accountId, fhirUser: await this.smart.fhirUserOf(s.accountId) })) return false;
    await this.launches.refusedUser(s.launch, s.accountId);
    return true;
  }

  private refuseLaunchUser(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    return this.finish(req, reply, { error: 'access_denied', error_description: 'this launch was created in the EHR for another user' }, false);
  }

  private async consentDenied(s: Situation): Promise<void> {
    await this.consent.denied(s.accountId, s.clientId, s.requested);
  }

  private async situation(details: InteractionDetails): Promise<Situation> {
    const accountId = details.session?.accountId;
    if (!accountId || details.prompt.name !== 'consent') throw new Error('the interaction is not at its consent step');
    const clientId = String(details.params.client_id);
    const client = await this.oidc.current.Client.find(clientId);
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
    return { accountId, clientId, clientName: client.clientName ?? clientId, requested, missing, needs, choice, route, recordId: record?.id ?? null, launch };
  }

  /**
   * Grants what is missing on a provider grant and finishes the interaction. A launch that needs
   * a patient gets a fresh provider grant (its launch context is its own); otherwise the
   * session's grant, when there is one, is extended.
   */
  private async complete(details: InteractionDetails, s: Situation, via: 'consent_page' | 'first_party' | 'covered', req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const provider = this.oidc.current;
    const reuse = details.grantId && !s.needs.patient ? await provider.Grant.find(details.grantId) : undefined;
    if (details.grantId && !s.needs.patient && !reuse) throw new Error('the grant of this interaction no longer exists');
    const grant = reuse ?? new provider.Grant({ accountId: s.accountId, clientId: s.clientId });
    if (s.missing.oidcScopes.length) grant.addOIDCScope(s.missing.oidcScopes.join(' '));
    if (s.missing.oidcClaims.length) grant.addOIDCClaims(s.missing.oidcClaims);
    for (const [indicator, scopes] of Object.entries(s.missing.resourceScopes)) grant.addResourceScope(indicator, scopes.join(' '));
    const oidcGrantId = await grant.save();
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
    else {
      const granted: ScopeSet = {
        oidcScopes: grant.getOIDCScope().split(' ').filter(Boolean),
        oidcClaims: grant.getOIDCClaims(),
        resourceScopes: Object.fromEntries(resourcesOf(details).map((r) => [r, grant.getResourceScope(r).split(' ').filter(Boolean)])),
      };
      await this.consent.record({ userId: s.accountId, clientId: s.clientId, granted, via: via === 'covered' ? 'consent_page' : via, authorization: link });
    }
    return this.finish(req, reply, { consent: { grantId: oidcGrantId } }, true);
  }

  private async consentHtml(uid: string, s: Situation): Promise<string> {
    const groups = await this.catalogue.describe(s.requested);
    const days = Math.round(this.config.consent.ttlSeconds / 86400);
    return consentPage(this.config.brand, {
      action: `/interaction/${uid}/consent`,
      csrf: formToken(await this.keys.getSecret('csrf-key'), 'consent', uid),
      clientName: s.clientName,
      groups: groups.map((g) => ({ label: g.label, items: g.items.map((i) => ({ scope: i.scope, text: i.text })) })),
      patientName: s.choice.kind === 'chosen' ? s.choice.patient.displayName : undefined,
      lasts: days >= 1 ? `${days} day${days === 1 ? '' : 's'}` : `${Math.round(this.config.consent.ttlSeconds / 3600)} hours`,
      manageUrl: ACCOUNT_APPS_PATH,
    });
  }

  private async pickerHtml(uid: string, s: Situation, choice: Extract<PatientChoice, { kind: 'pick' }>): Promise<string> {
    return patientPickerPage(this.config.brand, {
      action: `/interaction/${uid}/patient`,
      csrf: formToken(await this.keys.getSecret('csrf-key'), 'patient', uid),
      clientName: s.clientName,
      patients: choice.patients.map((p) => ({ id: p.patientId, name: p.displayName })),
    });
  }

  private async finish(req: FastifyRequest, reply: FastifyReply, result: InteractionResults, merge: boolean): Promise<void> {
    const redirectTo = await this.oidc.current.interactionResult(req.raw, reply.raw, result, { mergeWithLastSubmission: merge });
    seeOther(reply, redirectTo);
  }

  private page(reply: FastifyReply, status: number, html: string): void {
    htmlReply(reply, status, html);
  }
}

function resourcesOf(details: InteractionDetails): string[] {
  const r = details.params.resource;
  return Array.isArray(r) ? r.map(String) : r ? [String(r)] : [];
}
