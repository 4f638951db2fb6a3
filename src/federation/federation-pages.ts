import { html, type SafeHtml, layout, type Brand } from '../ui/index.js';

export interface FederationOption {
  /** The IdP's display name: the button reads "Sign in with <name>". */
  name: string;
  action: string;
  /** Only data: images are shown (the page's CSP loads images from nowhere else). */
  logoUri?: string | null;
}

export interface FederationChoices {
  csrf: string;
  options: FederationOption[];
  /** Home-realm discovery form: an organisation email goes straight to its IdP. */
  discoveryAction?: string;
}

/** The "Sign in with …" buttons and the organisation-email form shown under the password form. */
export function federationChoices(choices: FederationChoices | undefined): SafeHtml {
  if (!choices || (!choices.options.length && !choices.discoveryAction)) return html``;
  const csrf = html`<input type="hidden" name="csrf" value="${choices.csrf}">`;
  const buttons = choices.options
    .map((o) => {
      const logo = o.logoUri?.startsWith('data:image/') ? html`<img class="idp-logo" src="${o.logoUri}" alt="" width="20" height="20"> ` : '';
      return html`<form method="post" action="${o.action}">${csrf}<button type="submit" class="secondary">${logo}Sign in with ${o.name}</button></form>`;
    });
  const discovery = choices.discoveryAction
    ? html`<form method="post" action="${choices.discoveryAction}">${csrf}
<label for="org-email">Organisation account</label>
<input id="org-email" name="email" type="email" autocomplete="username" required maxlength="320">
<button type="submit" class="secondary">Continue with organisation sign-in</button>
</form>`
    : '';
  return html`<section class="federation" aria-label="Organisation sign-in"><p class="muted">or</p>
${buttons}
${discovery}</section>`;
}

const FAILURES: Record<string, { title: string; message: string }> = {
  upstream_unreachable: {
    title: 'Organisation sign-in is not responding',
    message: "We could not reach your organisation's sign-in service, so you are not signed in. Try again in a few minutes; if it keeps happening, contact your help desk.",
  },
  invalid_upstream_response: {
    title: 'Sign-in could not be verified',
    message: "Your organisation's sign-in service sent an answer we could not verify, so you are not signed in. Return to the application and start again.",
  },
  upstream_denied: { title: 'Sign-in was cancelled', message: 'Your organisation did not complete the sign-in. Return to the application and start again.' },
  domain_not_allowed: {
    title: 'This account cannot sign in here',
    message: "Your email address's domain is not allowed to sign in through this organisation. Use your organisation account or contact your help desk.",
  },
  email_missing: { title: 'This account cannot sign in here', message: 'Your organisation account has no email address. Contact your help desk.' },
  account_exists_unlinkable: {
    title: 'This account cannot sign in here',
    message: 'An account with this email already exists here and cannot be joined to your organisation sign-in automatically. Contact your help desk.',
  },
  user_disabled: { title: 'This account is disabled', message: 'Your account here is disabled. Contact your help desk.' },
  idp_disabled: { title: 'This sign-in option is not available', message: 'Return to the application and choose another way to sign in.' },
  unknown_flow: { title: 'This sign-in has expired', message: 'Return to the application and start again.' },
};

/** A readable page for a failed organisation sign-in; the reason code is shown for the help desk. */
export function federationErrorPage(brand: Brand, reason: string): SafeHtml {
  const f = FAILURES[reason] ?? FAILURES.invalid_upstream_response!;
  return layout(brand, f.title, html`<h1>${f.title}</h1><p>${f.message}</p><p class="muted">Reference: ${reason}</p>`);
}
