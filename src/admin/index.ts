export { AdminModule } from './admin.module.js';
export { AdminRoute } from './admin.decorators.js';
export { AdminAuthGuard, type AdminRequest } from './admin-auth.guard.js';
export { AdminTokenVerifier, type AdminPrincipal } from './admin-token.verifier.js';
export { ADMIN_RESOURCE, ADMIN_ROLES, ADMIN_SCOPES, roleScope, type AdminRole } from './admin-roles.js';
export { ProblemError, ProblemFilter, assertNever, type Problem } from './problem.filter.js';
