import { html, layout, type Brand, type SafeHtml } from '../ui/index.js';

export interface EmergencyStartPage {
  uid: string;
  csrf: string;
  email?: string;
  /** Kept when only the reason was refused (the password was not checked yet): nothing typed is lost. */
  password?: string;
  justification?: string;
  minJustification: number;
  /** An alert channel (a webhook subscribed to breakglass.started) is configured: only then does the page say administrators are alerted. */
  alerted: boolean;
  error?: string;
  /** The field the error is about (marked invalid and described by the error). */
  errorField?: 'justification';
}

/** "Emergency access": email, password and a typed reason; the page says plainly what happens: recorded, reviewed, alerted when configured. */
export function emergencyStartPage(brand: Brand, p: EmergencyStartPage): SafeHtml {
  const error = p.error && html`<p class="error" role="alert" id="emergency-error">${p.error}</p>`;
  const reasonInvalid = p.errorField === 'justification';
  const consequence = p.alerted
    ? 'Administrators are alerted at once, and every use is recorded in the audit trail and reviewed.'
    : 'Every use is recorded in the audit trail and reviewed by an administrator afterwards.';
  return layout(
    brand,
    'Emergency access',
    html`<h1>Emergency access</h1>
<p>For emergencies only. ${consequence}</p>${error}
<form method="post" action="/interaction/${p.uid}/emergency">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${p.email ?? ''}"${!p.email && html` autofocus`}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${p.password !== undefined && html` value="${p.password}"`}${!!p.email && !p.password && !reasonInvalid && html` autofocus`}>
<label for="justification">Reason for emergency access</label>
<p class="muted hint" id="justification-hint">At least ${p.minJustification} characters: what happened and why normal sign-in is not possible.</p>
<textarea id="justification" name="justification" class="reason" required minlength="${p.minJustification}" maxlength="1000" rows="5"
 aria-describedby="${reasonInvalid ? 'emergency-error justification-hint' : 'justification-hint'}"${reasonInvalid && html` aria-invalid="true" autofocus`}>${p.justification ?? ''}</textarea>
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

/**
 * The user's strongest factor: a passkey when they have one (no weaker way in), otherwise
 * their authenticator code or one of their recovery codes.
 */
export function emergencyFactorPage(brand: Brand, p: EmergencyFactorPage): SafeHtml {
  const error = p.error && html`<p class="error" role="alert">${p.error}</p>`;
  const base = `/interaction/${p.uid}/emergency`;
  const csrf = html`<input type="hidden" name="csrf" value="${p.csrf}">`;
  const body =
    p.factor === 'totp'
      ? html`<p>Enter the code from your authenticator app.</p>${error}
<form method="post" action="${base}/totp">
${csrf}
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>
<details><summary>Use a recovery code</summary>
<form method="post" action="${base}/recovery">
${csrf}
<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="off" maxlength="32" required>
<button type="submit" class="secondary">Verify</button>
</form></details>`
      : html`<p>Use your passkey.</p>${error}
<button type="button" id="passkey-authenticate" data-ceremony="authenticate"
 data-options="${base}/webauthn-options" data-verify="${base}/webauthn" data-csrf="${p.csrf}">Use a passkey</button>
<p class="error" role="alert" id="passkey-error" hidden></p>
<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`;
  return layout(brand, 'Emergency access', html`<h1>Emergency access: verify it is you</h1>${body}`);
}
