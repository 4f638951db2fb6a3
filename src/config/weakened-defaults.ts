import type { AppConfig } from './app-config.js';

/**
 * Settings that weaken a security default. Allowed (a deployment may need them), but never
 * silently: each is logged at start, and the posture report (#12) can list them.
 */
export function weakenedDefaults(config: AppConfig): string[] {
  const found: string[] = [];
  if (config.mfa.policy === 'optional') found.push('MFA_POLICY=optional: apps without their own policy let users sign in with a password alone');
  if (config.outboundAllowLoopback) found.push('OUTBOUND_ALLOW_LOOPBACK=true: outbound calls may reach loopback addresses');
  if (config.outboundAllowPrivate?.length) {
    found.push(`OUTBOUND_ALLOW_PRIVATE=${config.outboundAllowPrivate.join(',')}: outbound calls (IdPs, client keys and logout, webhooks) may reach these private networks and hosts`);
  }
  if (!config.issuer.startsWith('https://')) found.push(`ISSUER ${config.issuer} is not https: cookies are not Secure and HSTS is off (local use only)`);
  if (config.ttl.sessionIdle > 900) found.push(`SESSION_IDLE_TTL=${config.ttl.sessionIdle}s is longer than the 15-minute default`);
  if (config.rateLimit && !config.rateLimit.enabled) found.push('RATE_LIMIT_ENABLED=false: token, sign-in and admin requests are not rate limited');
  if (config.mtls?.certificateHeader && (config.trustedProxies === true || typeof config.trustedProxies === 'number')) {
    found.push(`CLIENT_CERT_HEADER with TRUST_PROXY=${String(config.trustedProxies)}: any peer that reaches an instance directly can present a client certificate; list the proxy addresses in TRUST_PROXY`);
  }
  if (config.trustedProxies === true || typeof config.trustedProxies === 'number') {
    const every = config.trustedProxies === true ? ' (and every X-Forwarded-For hop is believed: unless the proxy overwrites the header, even a client behind it chooses its address)' : '';
    found.push(
      `TRUST_PROXY=${String(config.trustedProxies)} takes any peer for the proxy${every}: client addresses in audit, rate limits and client IP allow-lists can be spoofed by any peer that reaches the instance directly; list the proxy addresses instead (until then, clients with allowedIpRanges are refused)`,
    );
  }
  return found;
}
