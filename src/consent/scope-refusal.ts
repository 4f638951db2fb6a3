import type { ScopePolicyRefusal as Refusal } from '../oidc/index.js';

/** A refusal of the SMART scope policy; the provider answers it with the OAuth error `oauthError` (oidc.ports.ts). */
export class ScopePolicyRefusal extends Error implements Refusal {
  constructor(
    readonly oauthError: Refusal['oauthError'],
    description: string,
  ) {
    super(description);
  }
}
