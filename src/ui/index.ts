/** ui/: server-rendered page templates (pure functions, no logic) shared by auth and oidc. */
export { escapeHtml, layout, consoleLayout, supportLine, referenceLine, STYLESHEET, type Brand, type ConsoleNav } from './html.js';
export * from './console-pages.js';
export { consentPage, patientPickerPage, connectedAppsPage, type ConsentPage, type PatientPickerPage, type ConnectedAppsPage, type ScopeGroupItems } from './consent-pages.js';
export { signInPage, messagePage, logoutConfirmPage, logoutDonePage, errorPage, type SignInPage } from './pages.js';
export { enrolmentCodePage, mfaChallengePage, mfaEnrolPage, recoveryCodesPage, PASSKEY_SCRIPT, type MfaChallengePage, type MfaEnrolPage } from './mfa-pages.js';
export { federationChoices, federationErrorPage, type FederationChoices, type FederationOption } from './federation-pages.js';
export { emergencyStartPage, emergencyFactorPage, type EmergencyStartPage, type EmergencyFactorPage } from './breakglass-pages.js';
