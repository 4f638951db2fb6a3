import { Inject, Injectable } from '@nestjs/common';
import { ClientManagementService } from '../clients/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { PoliciesService } from '../policies/index.js';
import { ACR_MFA, ACR_PASSWORD, MfaService, mfaRequested, mfaRequired, type MfaPolicyValue } from '../mfa/index.js';
import type { InteractionResults } from 'oidc-provider';
import type { InteractionDetails } from './interactions.service.js';
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
    const policy = await this.policies.mfaPolicy();
    return mfaRequired({
      deploymentPolicy: policy.policy,
      clientPolicy: await this.clientPolicy(details.params.client_id),
      userRoles: user.roles,
      alwaysRoles: policy.alwaysRoles,
      mfaRequested: mfaRequested(details.params.acr_values),
      userHasFactor: await this.mfa.hasFactor(user.id),
    });
  }

  /** Records the first factor and returns where the browser goes for the second. */
  async begin(uid: string, userId: string, amr: string[]): Promise<string> {
    await this.progress.start(uid, userId, amr, this.config.ttl.interaction);
    return `/interaction/${uid}/mfa`;
  }

  /** A login result with only the first factor (no second factor was due). */
  singleFactorResult(userId: string, amr: string[]): InteractionResults {
    return { login: { accountId: userId, amr, acr: ACR_PASSWORD } };
  }

  /** The login result after a second factor: amr says which factors, and `mfa` (RFC 8176). */
  async multiFactorResult(uid: string, userId: string, firstAmr: string[], secondAmr: string[]): Promise<InteractionResults> {
    await this.progress.finish(uid);
    const amr = [...new Set([...firstAmr, ...secondAmr, 'mfa'])];
    return { login: { accountId: userId, amr, acr: ACR_MFA } };
  }

  private async clientPolicy(clientId: unknown): Promise<MfaPolicyValue | undefined> {
    if (typeof clientId !== 'string') return undefined;
    try {
      return (await this.clients.get(clientId)).mfaPolicy;
    } catch {
      return undefined;
    }
  }
}
