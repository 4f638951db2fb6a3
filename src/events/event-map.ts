/**
 * The typed map of every event on the bus: name → payload. Each module declares its own
 * events in `<module>.events.ts` and they are merged here, so a wrong payload fails to compile.
 * Keep docs/events.md in step with this file.
 */
import type { ClientEvents } from '../clients/clients.events.js';
import type { KeyEvents } from '../keys/keys.events.js';
import type { OidcEvents } from '../oidc/oidc.events.js';

export type EventMap = ClientEvents & KeyEvents & OidcEvents;
export type EventName = keyof EventMap;
