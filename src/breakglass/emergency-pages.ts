import { html, type SafeHtml, layout, type Brand } from '../ui/index.js';

export interface EmergencyStartPage {
  uid: string;
  csrf: string;
  email?: string;
  justification?: string;
  minJustification: number;
  error?: string;
}

/** "Emergency access": email, password and a typed reason; the page says plainly that it is audited and alerted. */
export function emergencyStartPage(brand: Brand, p: EmergencyStartPage): SafeHtml {
  const error = p.error ? html`<p class="error" role="alert">${p.error}</p>` : '';
  return layout(
    brand,
    'Emergency access',
    html`<h1>Emergency access</h1>
<p>For emergencies only. Administrators are alerted at once, and every use is recorded and reviewed.</p>${error}
<form method="post" action="/interaction/${p.uid}/emergency">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${p.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
<label for="justification">Reason for emergency access</label>
<textarea id="justification" name="justification" required minlength="${p.minJustification}" maxlength="1000" rows="4">${p.justification ?? ''}</textarea>
<p class="muted">At least ${p.minJustification} characters: what happened and why normal sign-in is not possible.</p>
<button type="submit">Continue</button>
</form>
<p><a href="/interaction/${p.uid}">Back to sign in</a></p>`,
  );
}

export interface EmergencyFactorPage {
  uid: string;
  csrf: string;
  factor: 'totp' | 'webauthn';
  error?: string;
}

/** The user's strongest factor: a passkey when they have one, otherwise their authenticator code. */
export function emergencyFactorPage(brand: Brand, p: EmergencyFactorPage): SafeHtml {
  const error = p.error ? html`<p class="error" role="alert">${p.error}</p>` : '';
  const base = `/interaction/${p.uid}/emergency`;
  const body =
    p.factor === 'totp'
      ? html`<p>Enter the code from your authenticator app.</p>${error}
<form method="post" action="${base}/totp">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>`
      : html`<p>Use your passkey.</p>${error}
<button type="button" id="passkey-authenticate" data-ceremony="authenticate"
 data-options="${base}/webauthn-options" data-verify="${base}/webauthn" data-csrf="${p.csrf}">Use a passkey</button>
<p class="error" role="alert" id="passkey-error" hidden></p>
<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`;
  return layout(brand, 'Emergency access', html`<h1>Emergency access: verify it is you</h1>${body}`);
}
