/**
 * The typed map of every event on the bus: name → payload. Each module declares its own
 * events in `<module>.events.ts` and they are merged here, so a wrong payload fails to compile.
 * Keep docs/events.md in step with this file.
 */
import type { ClientEvents } from '../clients/clients.events.js';
import type { KeyEvents } from '../keys/keys.events.js';
import type { OidcEvents } from '../oidc/oidc.events.js';
import type { IdentityEvents } from '../identity/identity.events.js';
import type { AuthEvents } from '../auth/auth.events.js';
import type { MfaEvents } from '../mfa/mfa.events.js';
import type { AuditEvents } from '../audit/audit.events.js';
import type { ConsentEvents } from '../consent/consent.events.js';
import type { FederationEvents } from '../federation/federation.events.js';
import type { PolicyEvents } from '../policies/policies.events.js';
import type { AdminEvents } from '../admin/admin.events.js';
import type { HardeningEvents } from '../hardening/hardening.events.js';
import type { BreakGlassEvents } from '../breakglass/breakglass.events.js';
import type { WebhookEvents } from '../webhooks/webhooks.events.js';
import type { ComplianceEvents } from '../compliance/compliance.events.js';
import type { SetupEvents } from '../setup/setup.events.js';
import type { AccountEvents } from '../account/account.events.js';
import type { ApprovalEvents } from '../approvals/approvals.events.js';

export type EventMap = ClientEvents & KeyEvents & OidcEvents & IdentityEvents & AuthEvents & AuditEvents & MfaEvents & ConsentEvents & PolicyEvents & AdminEvents & FederationEvents & HardeningEvents & BreakGlassEvents & WebhookEvents & ComplianceEvents & SetupEvents & AccountEvents & ApprovalEvents;
export type EventName = keyof EventMap;
