export { IdentityModule } from './identity.module.js';
export { IdentityService, type User, type UserClaims, type NewUser, type PasswordCheck } from './identity.service.js';
export { IdentityError, IdentityErrorCode } from './identity.errors.js';
export type { IdentityEvents } from './identity.events.js';
export { checkPassword, MIN_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH } from './password-policy.js';
export { mayAdministerUser, assertMayActOnUser } from './users-admin.rules.js';
export { moveUserVersion } from './user-version.js';
