import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AddressRules, isLiteralLoopbackHost, type OutboundPolicy } from './outbound-address.js';
import { createOutboundFetch, outboundUrlRefusal, refuseEnvironmentProxy, type OutboundFetch, type OutboundRefusedError } from './outbound-http.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';
import type { OutboundPurpose } from './outbound.events.js';

/** Webhook receivers answer at once or not at all; the rest keep the common 10 s. */
const TIMEOUT_MS: Record<OutboundPurpose, number> = { client: 10_000, upstream_idp: 10_000, webhook: 5_000 };

/**
 * Purposes whose URLs are named by origin only in refusals (logs, audit, the error a caller
 * stores): a webhook URL's path is often its secret (https://hooks.example/services/T0/B0/XXXX).
 */
const ORIGIN_ONLY: ReadonlySet<OutboundPurpose> = new Set(['webhook']);

/**
 * The outbound HTTP policy of this deployment (OUTBOUND_ALLOW_LOOPBACK, OUTBOUND_ALLOW_PRIVATE)
 * as one fetch per purpose; every refusal is logged and audited (`hardening.outbound.refused`)
 * before the caller sees the error.
 */
@Injectable()
export class OutboundHttp implements OnModuleDestroy {
  private readonly logger = new Logger(OutboundHttp.name);
  private readonly rules: AddressRules;
  private readonly fetches = new Map<OutboundPurpose, OutboundFetch>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly bus: EventBus,
  ) {
    this.rules = new AddressRules(outboundPolicy(config));
    // At start-up, not at the first call: a fetch that would go through a proxy (and so past the
    // address checks) stops the service rather than fail its first outbound call.
    refuseEnvironmentProxy();
  }

  /** The guarded fetch for one purpose (its own connection pool and timeout). */
  fetchFor(purpose: OutboundPurpose): OutboundFetch {
    let fetch = this.fetches.get(purpose);
    if (!fetch) {
      fetch = createOutboundFetch({
        policy: this.rules.policy,
        timeoutMs: TIMEOUT_MS[purpose],
        originOnly: ORIGIN_ONLY.has(purpose),
        onRefused: (refusal) => this.record(purpose, refusal),
      });
      this.fetches.set(purpose, fetch);
    }
    return fetch;
  }

  /** Why a URL could never be called (scheme, credentials, literal address), or null: for checks when a URL is configured. */
  urlRefusal(url: string): OutboundRefusedError | null {
    return outboundUrlRefusal(url, this.rules);
  }

  /** An allowed host name of OUTBOUND_ALLOW_PRIVATE (it may be an intranet name such as idp.hospital.local). */
  hostAllowed(hostname: string): boolean {
    return this.rules.hostAllowed(hostname);
  }

  /**
   * The URL names a literal loopback host and OUTBOUND_ALLOW_LOOPBACK is on: it may be called, over
   * http too (libraries that insist on https are told so).
   */
  allowsLoopback(url: string): boolean {
    return URL.canParse(url) && this.rules.policy.allowLoopback && isLiteralLoopbackHost(new URL(url).hostname);
  }

  async onModuleDestroy(): Promise<void> {
    const open = [...this.fetches.values()];
    this.fetches.clear();
    await Promise.all(open.map((f) => f.close().catch(() => undefined)));
  }

  private async record(purpose: OutboundPurpose, refusal: OutboundRefusedError): Promise<void> {
    this.logger.warn({ purpose, target: refusal.target, reason: refusal.reason, address: refusal.address }, `outbound call refused: ${refusal.message}`);
    await this.bus.notify(
      'hardening.outbound.refused',
      { purpose, target: refusal.target, reason: refusal.reason, address: refusal.address, detail: refusal.message.slice(0, 300) },
      { actor: { type: 'system', id: 'outbound-http' } },
    );
  }
}

export function outboundPolicy(config: Pick<AppConfig, 'outboundAllowLoopback' | 'outboundAllowPrivate'>): OutboundPolicy {
  return { allowLoopback: config.outboundAllowLoopback, allowPrivate: config.outboundAllowPrivate };
}
