import type { AppConfig } from '../config/index.js';
import type { PoliciesService } from '../policies/index.js';

/**
 * The configuration oidc-provider is built with, whose `ttl` is read from the runtime policies
 * on every access (a cached snapshot, never a database wait). The TTL functions of
 * provider-config.ts run per token, so a lifetime an administrator changes applies to the next
 * access token, refresh token and session within the policy cache time. Values the provider
 * takes once at build time (authorization code, ID token, grant) keep the environment's.
 */
export function withLiveLifetimes(config: AppConfig, policies: Pick<PoliciesService, 'current'>): AppConfig {
  return new Proxy(config, {
    get(target, property, receiver) {
      if (property === 'ttl') return { ...target.ttl, ...policies.current().policies.lifetimes };
      return Reflect.get(target, property, receiver);
    },
  });
}
