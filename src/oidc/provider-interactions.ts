import { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { AppConfig } from '../config/index.js';
import { ACR_MFA, mfaRequested } from '../mfa/mfa-policy.js';
import { errorPage, logoutConfirmPage, logoutDonePage, trusted } from '../ui/index.js';
import type { ScopePolicy, SecondFactorPolicy } from './oidc.ports.js';
import { withScopePolicy } from './provider-smart.js';

/** Sign-in happens on our own interaction pages (auth/), with step-up to a second factor. */
export function interactions(secondFactor: SecondFactorPolicy): NonNullable<Configuration['interactions']> {
  return { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: signInPolicy(secondFactor) };
}

/**
 * The grant an authorization request continues: the one the consent step just resumed, else the
 * browser session's grant for this client, unless the scope policy needs a new one (a new SMART
 * launch context).
 */
export function loadExistingGrant(policy: ScopePolicy): NonNullable<Configuration['loadExistingGrant']> {
  return async (ctx: KoaContextWithOIDC) => {
    const resumed = ctx.oidc.result?.consent?.grantId as string | undefined;
    const reuse = !resumed && (await withScopePolicy(policy, (p) => p.mayReuseSessionGrant(ctx))) !== false;
    const grantId = resumed ?? (reuse ? ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId) : undefined);
    return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
  };
}

/** RP-initiated logout on our own pages: the confirmation and the "signed out" page. */
export function rpInitiatedLogout(config: AppConfig) {
  return {
    enabled: true,
    logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
      ctx.type = 'html';
      // oidc-provider's own form (its action and xsrf value, escaped by oidc-provider).
      ctx.body = logoutConfirmPage(config.brand, trusted(form), ctx.oidc.client?.clientName).toString();
    },
    postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
      ctx.type = 'html';
      ctx.body = logoutDonePage(config.brand).toString();
    },
  };
}

/** The provider's own errors (bad request, unknown client ...) as our HTML error page. */
export function renderError(config: AppConfig): NonNullable<Configuration['renderError']> {
  return async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = errorPage(config.brand, out.error, out.error_description).toString();
  };
}

/**
 * oidc-provider's base prompts, plus step-up: the login prompt re-opens inside an existing
 * session whose sign-in did not reach the MFA level when this request needs it: the app asks
 * for it (acr_values), or the MFA policy requires it for this person at this app (a session
 * made with the password alone at an app that allowed it must not satisfy one that does not;
 * found by an outside attack on #16). The dispatcher then asks only for the second factor.
 */
export function signInPolicy(secondFactor: SecondFactorPolicy) {
  const policy = interactionPolicy.base();
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('acr_step_up', 'this request needs a second factor the session has not proven', async (ctx) => {
      const oidc = ctx.oidc as unknown as {
        params: Record<string, unknown>;
        session: { accountId?: string; acr?: string };
        result?: { login?: unknown };
        client?: { clientId: string };
      };
      if (oidc.result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (oidc.session.accountId && oidc.session.acr === ACR_MFA) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      if (mfaRequested(oidc.params.acr_values)) return interactionPolicy.Check.REQUEST_PROMPT;
      // No session yet: the login prompt opens anyway, and the sign-in applies the policy itself.
      if (!oidc.session.accountId || !oidc.client) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const due = await secondFactor.requiredFor({ accountId: oidc.session.accountId, clientId: oidc.client.clientId, acrValues: oidc.params.acr_values });
      return due ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}
