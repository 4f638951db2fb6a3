import { currentRequestScope } from '../events/request-scope.js';
import { escapeHtml, layout, referenceLine, supportLine, type Brand } from './html.js';

/** This request's reference code (its id), read from the request scope: templates stay free of plumbing. */
function reference(): string | undefined {
  return currentRequestScope()?.requestId;
}

/**
 * A message with the help a stuck person needs (#20): an expired sign-in offers "Start again"
 * (its application's address when known), every problem page names the help desk and carries
 * the reference code, and raw protocol text sits behind "Details".
 */
export function messagePage(brand: Brand, title: string, message: string, detail?: string, options: { startAgainUrl?: string } = {}): string {
  const expired = /expired|not found|not open|did not complete/i.test(title);
  const startAgain = expired
    ? `<p><a class="button-link" href="${escapeHtml(options.startAgainUrl ?? '/')}">Start again</a></p>`
    : '';
  const details = detail ? `<details><summary>Details</summary><p class="muted"><code>${escapeHtml(detail)}</code></p></details>` : '';
  return layout(
    brand,
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${startAgain}${details}${supportLine(brand)}${referenceLine(reference())}`,
  );
}

/** The RP-initiated logout confirmation; `form` is oidc-provider's hidden form (xsrf included). */
export function logoutConfirmPage(brand: Brand, form: string, clientName?: string): string {
  const from = clientName ? ` from ${escapeHtml(clientName)}` : '';
  return layout(
    brand,
    'Sign out',
    `<h1>Sign out</h1><p>Do you want to sign out${from}? This ends your session on this device.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  );
}

export function logoutDonePage(brand: Brand): string {
  return layout(brand, 'Signed out', '<h1>Signed out</h1><p>You are signed out. You can close this window.</p>');
}

export function errorPage(brand: Brand, error: unknown, description: unknown): string {
  return messagePage(
    brand,
    'Something went wrong',
    'The application that sent you here made a request we cannot complete. Return to it and try again; if it happens again, contact your help desk.',
    `${String(error ?? 'error')}${description ? `: ${String(description)}` : ''}`,
  );
}
