// AdminModule is imported by the application root from './admin.module.js', not from here:
// what the modules' admin controllers import stays free of Nest module wiring.
export { AdminRoute, Idempotent } from './admin.decorators.js';
export { AdminAuthGuard, type AdminRequest } from './admin-auth.guard.js';
export { AdminTokenVerifier, type AdminPrincipal } from './admin-token.verifier.js';
export { AdminError, AdminErrorCode } from './admin.errors.js';
export {
  ADMIN_RESOURCE,
  ADMIN_ROLES,
  ADMIN_SCOPES,
  adminScopesIn,
  isLookalikeAdminScope,
  lookalikeAdminScopeMessage,
  mayHandleAdminScopes,
  protectedRoles,
  protectedRolesIn,
  roleScope,
  type AdminRole,
} from './admin-roles.js';
export {
  PROBLEM_MAPPINGS,
  ProblemError,
  ProblemFilter,
  assertNever,
  problemMapping,
  type Problem,
  type ProblemMapper,
  type ProblemMapping,
} from './problem.filter.js';
export { AdminValidationPipe, badRequest, fieldErrors, parseOrThrow, type FieldError } from './validation.pipe.js';
export { PAGE_LIMIT_DEFAULT, PAGE_LIMIT_MAX, cursorParam, encodeCursor, pageQuery, pageSchema, toPage, type Page } from './pagination.js';
export { etagOf, optionalIfMatch, parseIfMatch, preconditionFailed, preconditionRequired, requireIfMatch, type IfMatch, withETag } from './preconditions.js';
export { ApiIfMatch, ApiProblems, problemSchema } from './admin-openapi.js';
export { adminEventContext, type AdminEventContext } from './admin-actor.js';
export type { AdminEvents } from './admin.events.js';
