import { currentRequestScope } from '../events/request-scope.js';
import { html, type SafeHtml, layout, referenceLine, supportLine, type Brand } from './html.js';

/** This request's reference code (its id), read from the request scope: templates stay free of plumbing. */
function reference(): string | undefined {
  return currentRequestScope()?.requestId;
}

/**
 * A message with the help a stuck person needs (#20): an expired sign-in offers "Start again"
 * (its application's address when known), every problem page names the help desk and carries
 * the reference code, and raw protocol text sits behind "Details".
 */
export function messagePage(brand: Brand, title: string, message: string, detail?: string, options: { startAgainUrl?: string } = {}): SafeHtml {
  const expired = /expired|not found|not open|did not complete/i.test(title);
  const startAgain = expired
    ? html`<p><a class="button-link" href="${options.startAgainUrl ?? '/'}">Start again</a></p>`
    : '';
  const details = detail ? html`<details><summary>Details</summary><p class="muted"><code>${detail}</code></p></details>` : '';
  return layout(
    brand,
    title,
    html`<h1>${title}</h1><p>${message}</p>${startAgain}${details}${supportLine(brand)}${referenceLine(reference())}`,
  );
}

/** The RP-initiated logout confirmation; `form` is oidc-provider's hidden form (xsrf included). */
export function logoutConfirmPage(brand: Brand, form: SafeHtml, clientName?: string): SafeHtml {
  const from = clientName && html` from ${clientName}`;
  return layout(
    brand,
    'Sign out',
    html`<h1>Sign out</h1><p>Do you want to sign out${from}? This ends your session on this device.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  );
}

export function logoutDonePage(brand: Brand): SafeHtml {
  return layout(brand, 'Signed out', html`<h1>Signed out</h1><p>You are signed out. You can close this window.</p>`);
}

export function errorPage(brand: Brand, error: unknown, description: unknown): SafeHtml {
  return messagePage(
    brand,
    'Something went wrong',
    'The application that sent you here made a request we cannot complete. Return to it and try again; if it happens again, contact your help desk.',
    `${String(error ?? 'error')}${description ? `: ${String(description)}` : ''}`,
  );
}
