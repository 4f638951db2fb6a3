import { BlockList, isIP } from 'node:net';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { EventBus } from '../events/index.js';

const ADMIN_PATH = /^\/admin(\/|$|\?)/;

/** A matcher for a list of CIDRs (validated by the configuration schema); IPv4-mapped IPv6 counts as IPv4. */
export function ipAllowlist(cidrs: readonly string[]): (ip: string) => boolean {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address, prefix] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(address, prefix === undefined ? (family === 'ipv4' ? 32 : 128) : Number(prefix), family);
  }
  return (ip: string) => {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
    const address = mapped ?? ip;
    const family = isIP(address);
    if (!family) return false;
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  };
}

/**
 * Rules: when ADMIN_IP_ALLOWLIST is set, every /admin request (API, OpenAPI document, reader)
 * from another address is refused with a 403 problem before authentication, and recorded as
 * admin.ip_refused. The address is the one Fastify derives: the socket's, or X-Forwarded-For as
 * told by the proxies TRUST_PROXY lists (the configuration refuses the list with a count or true,
 * under which any peer that reaches an instance directly would choose it).
 */
@Injectable()
export class AdminIpAllowlistHook implements OnModuleInit {
  private readonly logger = new Logger(AdminIpAllowlistHook.name);

  constructor(
    private readonly host: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (!fastify?.addHook || !this.config.adminIpAllowlist.length) return;
    const allowed = ipAllowlist(this.config.adminIpAllowlist);
    fastify.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      // The matched route as well as the raw URL: no spelling of a path reaches an admin route unchecked.
      const admin = ADMIN_PATH.test(request.url) || ADMIN_PATH.test(request.routeOptions?.url ?? '');
      if (!admin || allowed(request.ip)) return;
      const path = request.url.split('?')[0]!;
      try {
        await this.bus.publish('admin.ip_refused', { ip: request.ip, method: request.method, path });
      } catch (err) {
        // The refusal stands even if recording it failed; the failure itself is logged.
        this.logger.error({ err, ip: request.ip }, 'could not record a refused admin request');
      }
      return reply
        .code(403)
        .header('Cache-Control', 'no-store')
        .header('Connection', 'close')
        .type('application/problem+json; charset=utf-8')
        .send(
          JSON.stringify({
            type: 'about:blank',
            title: 'Forbidden',
            status: 403,
            detail: 'the admin API is not reachable from this address',
            instance: path,
          }),
        );
    });
  }
}
