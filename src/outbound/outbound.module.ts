/**
 * outbound/ owns every call to a URL that administrators, clients or upstream IdPs configure
 * (OutboundHttp: https, timeouts, size cap, no redirects, no private address unless allowed,
 * a direct connection through its own undici Agent; refusals logged and audited), and the
 * address rules behind it. Exports OutboundHttp. Knows no domain module: callers (oidc,
 * federation, webhooks) name their purpose.
 */
import { Module } from '@nestjs/common';
import { OutboundHttp } from './outbound-http.service.js';

@Module({
  providers: [OutboundHttp],
  exports: [OutboundHttp],
})
export class OutboundModule {}
