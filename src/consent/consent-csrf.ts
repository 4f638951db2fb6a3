/** The consent module's forms and what their CSRF tokens are bound to (see src/common/csrf.ts). */
export type FormPurpose = 'consent' | 'patient' | 'account';

export { formToken, formTokenValid, sameOrigin } from '../common/csrf.js';
