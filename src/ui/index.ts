/**
 * ui/: the layout, the auto-escaping `html` template and the pages shared by several modules
 * (messages, errors, logout, consent). Each sign-in step's own page sits beside its step (#18).
 */
export { html, trusted, join, SafeHtml, type HtmlValue, layout, consoleLayout, supportLine, referenceLine, STYLESHEET, type Brand, type ConsoleNav } from './html.js';
export * from './console-pages.js';
export { recoveryCodesBlock, savedConfirmation, RECOVERY_CODES_SCRIPT } from './recovery-codes.js';
export { messagePage, logoutConfirmPage, logoutDonePage, errorPage } from './pages.js';
