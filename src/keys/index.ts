export { KeysModule } from './keys.module.js';
export { KeysService, type SigningKeystore } from './keys.service.js';
export { KeysError, KeysErrorCode } from './keys.errors.js';
export type { KeyEvents } from './keys.events.js';
export type { SigningAlg } from './entities/signing-key.entity.js';
export { aesGcmSeal, aesGcmOpen } from './kek.js';
export { KeyLifecycleService } from './key-lifecycle.service.js';
export { KekRotationService, type KekRotationOutcome } from './kek-rotation.service.js';
