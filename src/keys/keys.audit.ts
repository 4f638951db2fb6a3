import type { KeyEvents } from './keys.events.js';
import type { MappingsFor } from '../audit/index.js';

const key = (p: { kid: string }) => ({ type: 'signing_key', id: p.kid });

export const keyMappings: MappingsFor<KeyEvents> = {
  'keys.generated': { category: 'key-management', action: 'C', subject: key },
  'keys.imported': { category: 'key-management', action: 'C', subject: key },
  'keys.activated': { category: 'key-management', action: 'U', subject: key },
  'keys.retired': { category: 'key-management', action: 'U', subject: key },
  'keys.removed': { category: 'key-management', action: 'D', subject: key },
  'keys.revoked': { category: 'key-management', action: 'U', subject: key },
  'keys.rotation.requested': { category: 'key-management', action: 'E', subject: key },
  'keys.schedule.updated': { category: 'key-management', action: 'U', subject: () => ({ type: 'key_schedule', id: 'signing' }) },
  'keys.kek.rotated': { category: 'key-management', action: 'E', subject: (p) => ({ type: 'key_encryption_key', id: p.toKekId }) },
  // `remote` is one instance noticing another's change: a cache signal, recorded once as `local`.
  'keys.rotated': { category: 'key-management', action: 'U', subject: () => ({ type: 'jwks', id: 'published' }), record: (p) => p.origin === 'local' },
};
