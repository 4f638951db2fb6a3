import { Injectable } from '@nestjs/common';
import type { InteractionResults } from 'oidc-provider';
import { OidcService } from '../oidc/index.js';

type Details = Awaited<ReturnType<OidcService['current']['interactionDetails']>>;

/**
 * The consent step until the consent module (#6) brings its page: records a grant of exactly
 * what the request asks for. oidc-provider has already narrowed resource scopes to the
 * client's ceiling (getResourceServerInfo), so nothing wider than the registration is granted.
 */
@Injectable()
export class GrantStep {
  constructor(private readonly oidc: OidcService) {}

  async run(details: Details): Promise<InteractionResults> {
    const provider = this.oidc.current;
    const accountId = details.session?.accountId;
    const clientId = String(details.params.client_id);
    const grant = details.grantId ? await provider.Grant.find(details.grantId) : new provider.Grant({ accountId, clientId });
    if (!grant) throw new Error('the grant of this interaction no longer exists');
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    return { consent: { grantId: await grant.save() } };
  }
}
