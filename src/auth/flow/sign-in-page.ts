import { html, type SafeHtml, layout, supportLine, type Brand } from '../../ui/index.js';
import { federationChoices, type FederationChoices } from '../../federation/index.js';

/** The identify step's page (beside the dispatcher that serves it): email and password, the upstream IdPs, emergency access. */
export interface SignInPage {
  action: string;
  csrf: string;
  email?: string;
  error?: string;
  clientName?: string;
  /** Organisation sign-in: "Sign in with <name>" buttons and the home-realm discovery form. */
  federation?: FederationChoices;
}

/** "Email", "Password", "Sign in": the labels DESIGN.md names; errors never say whether an account exists. */
export function signInPage(brand: Brand, page: SignInPage): SafeHtml {
  const error = page.error ? html`<p class="error" role="alert">${page.error}</p>${supportLine(brand)}` : '';
  const to = page.clientName ? html`<p class="muted">to continue to ${page.clientName}</p>` : '';
  return layout(
    brand,
    'Sign in',
    html`<h1>Sign in</h1>${to}${error}
<form method="post" action="${page.action}" autocomplete="on">
<input type="hidden" name="csrf" value="${page.csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${page.email ?? ''}"${page.email ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${page.email ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>${federationChoices(page.federation)}${emergencyLink(page.action)}`,
  );
}

/** Break-glass entry (#12): the emergency step lives beside the login form of the same interaction. */
function emergencyLink(loginAction: string): SafeHtml {
  if (!loginAction.endsWith('/login')) return html``;
  return html`<p class="muted"><a href="${loginAction.slice(0, -'/login'.length)}/emergency">Emergency access</a></p>`;
}
