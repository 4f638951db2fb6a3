import { Inject, Injectable } from '@nestjs/common';
import { ClientManagementService, ClientsError, ClientsErrorCode } from '../clients/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { PoliciesService } from '../policies/index.js';
import { MfaService, mfaRequested, mfaRequired, type MfaPolicyValue } from '../mfa/index.js';
import type { InteractionDetails, StepOutcome } from '../common/interaction.js';
import { SignInProgressRepository } from './sign-in-progress.repository.js';

/**
 * The second-factor step as the dispatcher sees it: after a first factor it decides (through
 * mfaRequired) whether a second one is due and, if so, records where the sign-in stands and
 * sends the browser to the MFA page. It never checks a code itself (MfaService does).
 */
@Injectable()
export class MfaStep {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly mfa: MfaService,
    private readonly clients: ClientManagementService,
    private readonly progress: SignInProgressRepository,
    private readonly policies: PoliciesService,
  ) {}

  async required(user: { id: string; roles: string[] }, details: InteractionDetails): Promise<boolean> {
    return this.requiredFor(user, details.params.client_id, details.params.acr_values);
  }

  /** mfaRequired for this person at this client: also asked of a live session by the provider (oidc/ port). */
  async requiredFor(user: { id: string; roles: string[] }, clientId: unknown, acrValues: unknown): Promise<boolean> {
    const policy = await this.policies.mfaPolicy();
    return mfaRequired({
      deploymentPolicy: policy.policy,
      clientPolicy: await this.clientPolicy(clientId),
      userRoles: user.roles,
      alwaysRoles: policy.alwaysRoles,
      mfaRequested: mfaRequested(acrValues),
      userHasFactor: await this.mfa.hasFactor(user.id),
    });
  }

  /** Records the first factor and returns where the browser goes for the second. */
  async begin(uid: string, userId: string, amr: string[]): Promise<string> {
    await this.progress.start(uid, userId, amr, this.config.ttl.interaction);
    return `/interaction/${uid}/mfa`;
  }

  /** A login proven with only the first factor (no second factor was due). */
  singleFactor(userId: string, amr: string[]): StepOutcome {
    return { kind: 'proven', login: { accountId: userId, amr, secondFactor: false } };
  }

  /** A login proven with a second factor: amr says which factors, and `mfa` (RFC 8176). The state row ends. */
  async multiFactor(uid: string, userId: string, firstAmr: string[], secondAmr: string[]): Promise<StepOutcome> {
    await this.progress.finish(uid);
    const amr = [...new Set([...firstAmr, ...secondAmr, 'mfa'])];
    return { kind: 'proven', login: { accountId: userId, amr, secondFactor: true } };
  }

  /**
   * The client's own MFA policy; none only when the client does not exist. Any other failure
   * (the database is down) fails closed: it is thrown, and the outage filter answers 503,
   * rather than the sign-in going on as if the client had no policy.
   */
  private async clientPolicy(clientId: unknown): Promise<MfaPolicyValue | undefined> {
    if (typeof clientId !== 'string') return undefined;
    try {
      return (await this.clients.get(clientId)).mfaPolicy;
    } catch (err) {
      if (err instanceof ClientsError && err.code === ClientsErrorCode.CLIENT_NOT_FOUND) return undefined;
      throw err;
    }
  }
}
