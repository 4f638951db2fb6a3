import { html, layout, consoleLayout, referenceLine, supportLine, supportText, type Brand, type SafeHtml } from './html.js';
import { recoveryCodesBlock } from './recovery-codes.js';

/** Page templates of the first run, the landing page, the not-found page and the account console (#20). */

const alert = (error?: string) => error && html`<p class="error" role="alert">${error}</p>`;
const notice = (text?: string) => text && html`<p class="notice" role="status">${text}</p>`;
const csrfField = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

export interface LandingPage {
  issuer: string;
  accountUrl: string;
  consoleUrl: string;
  discoveryUrl: string;
}

/** `/`: what this service is, where a person signs in, and the discovery document for developers. */
export function landingPage(brand: Brand, p: LandingPage): SafeHtml {
  return layout(
    brand,
    'Sign-in service',
    html`<h1>${brand.name} sign-in service</h1>
<p>This is your organisation's sign-in service. Applications send you here to sign in; you do not need to start here.</p>
<h2>People</h2>
<p><a href="${p.accountUrl}">Your account</a>: your password, two-step verification, signed-in devices and connected apps.</p>
<h2>Administrators</h2>
<p><a href="${p.consoleUrl}">Admin console</a></p>
<h2>Developers</h2>
<p>OpenID Connect issuer <code>${p.issuer}</code>, <a href="${p.discoveryUrl}">discovery document</a>.</p>
${supportLine(brand)}`,
  );
}

/** The branded 404 for browsers; API clients get problem+json instead. */
export function notFoundPage(brand: Brand, reference?: string): SafeHtml {
  return layout(
    brand,
    'Page not found',
    html`<h1>Page not found</h1><p>There is no page at this address. Check the link, or go to the <a href="/">start page</a>.</p>${supportLine(brand)}${referenceLine(reference)}`,
  );
}

// ---- First run --------------------------------------------------------------------------

export interface SetupAccountPage {
  action: string;
  minLength: number;
  email?: string;
  givenName?: string;
  familyName?: string;
  error?: string;
}

export function setupAccountPage(brand: Brand, p: SetupAccountPage): SafeHtml {
  return layout(
    brand,
    'Create the first administrator',
    html`<h1>Create the first administrator</h1>
<p>No administrator exists yet. This one-time page creates the first one (super-admin), protected by a password and two-step verification.</p>${alert(p.error)}
<form method="post" action="${p.action}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${p.email ?? ''}"${!p.error && html` autofocus`}>
<label for="given-name">Given name <span class="muted">(optional)</span></label>
<input id="given-name" name="givenName" autocomplete="given-name" maxlength="100" value="${p.givenName ?? ''}">
<label for="family-name">Family name <span class="muted">(optional)</span></label>
<input id="family-name" name="familyName" autocomplete="family-name" maxlength="100" value="${p.familyName ?? ''}">
<label for="password">Password</label>
<p class="muted" id="password-hint">At least ${p.minLength} characters; a long phrase is best. Common passwords are refused.</p>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="${p.minLength}" maxlength="1024" aria-describedby="password-hint"${p.error && html` autofocus`}>
<button type="submit">Create administrator</button>
</form>`,
  );
}

export interface TotpEnrolPage {
  action: string;
  csrf?: string;
  factorId: string;
  secret: string;
  qrSvg: string;
  /** What the authenticator app will show: issuer and account label. */
  issuer: string;
  account: string;
  error?: string;
  cancelUrl?: string;
}

/** Scan the QR (issuer and account label shown beside it), or type the key, then confirm with one code. */
export function totpEnrolPage(brand: Brand, title: string, p: TotpEnrolPage, shell: (title: string, body: SafeHtml) => SafeHtml = (t, b) => layout(brand, t, b)): SafeHtml {
  const qr = `data:image/svg+xml;base64,${Buffer.from(p.qrSvg).toString('base64')}`;
  // Groups of four never break inside (no break opportunity), only between groups.
  const grouped = p.secret.match(/.{1,4}/g)!.join(' ');
  return shell(
    title,
    html`<h1>${title}</h1>
<p>Scan this code with an authenticator app, then enter the six-digit code it shows. The app will list it as <strong>${p.issuer}</strong> (${p.account}).</p>${alert(p.error)}
<img class="qr" src="${qr}" alt="QR code for your authenticator app" width="200" height="200">
<p class="muted">Can't scan it? Enter this key in the app: <code id="totp-secret">${grouped}</code></p>
<form method="post" action="${p.action}">
${p.csrf && csrfField(p.csrf)}<input type="hidden" name="factorId" value="${p.factorId}">
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>${p.cancelUrl && html`<p><a href="${p.cancelUrl}">Cancel</a></p>`}`,
  );
}


export function setupDonePage(brand: Brand, codes: string[], consoleUrl: string): SafeHtml {
  return layout(
    brand,
    'Administrator created',
    html`<h1>Administrator created</h1>
<p>The first administrator is ready and this setup link no longer works.</p>
<h2>Recovery codes</h2>
${recoveryCodesBlock(codes)}
<p><a class="button-link" href="${consoleUrl}">Open the admin console</a></p>
<p class="muted">You will sign in there with your email, password and authentication code.</p>`,
  );
}

// ---- Account console ----------------------------------------------------------------------

export const ACCOUNT_NAV = [
  { href: '/account', label: 'Profile' },
  { href: '/account/password', label: 'Password' },
  { href: '/account/security', label: 'Two-step verification' },
  { href: '/account/sessions', label: 'Signed-in devices' },
  { href: '/account/apps', label: 'Connected apps' },
];

export interface AccountShell {
  current: string;
  who: string;
  csrf: string;
}

export function accountPage(brand: Brand, shell: AccountShell, title: string, body: SafeHtml): SafeHtml {
  return consoleLayout(
    brand,
    title,
    { current: shell.current, who: shell.who, links: ACCOUNT_NAV },
    html`${body}
<form method="post" action="/account/sign-out">${csrfField(shell.csrf)}<button type="submit" class="secondary inline">Sign out</button></form>`,
  );
}

export interface ProfilePage {
  email: string;
  name?: string;
  roles: string[];
  notice?: string;
}

export function accountProfilePage(brand: Brand, shell: AccountShell, p: ProfilePage): SafeHtml {
  return accountPage(
    brand,
    shell,
    'Your account',
    html`<h1>Your account</h1>${notice(p.notice)}
<dl>
<dt>Name</dt><dd>${p.name || 'Not set'}</dd>
<dt>Email</dt><dd>${p.email}</dd>
${p.roles.length > 0 && html`<dt>Roles</dt><dd>${p.roles.join(', ')}</dd>`}
</dl>
<p class="muted">Your name and email are managed by your organisation. ${supportText(brand)}</p>`,
  );
}

export function accountPasswordPage(brand: Brand, shell: AccountShell, p: { minLength: number; email: string; error?: string; notice?: string }): SafeHtml {
  return accountPage(
    brand,
    shell,
    'Change password',
    html`<h1>Change password</h1>${notice(p.notice)}${alert(p.error)}
<p>Changing your password signs you out on every other device.</p>
<form method="post" action="/account/password">
${csrfField(shell.csrf)}
<input type="text" name="username" autocomplete="username" value="${p.email}" hidden>
<label for="current-password">Current password</label>
<input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required maxlength="1024">
<label for="new-password">New password</label>
<p class="muted" id="new-password-hint">At least ${p.minLength} characters; a long phrase is best. Common passwords are refused.</p>
<input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="${p.minLength}" maxlength="1024" aria-describedby="new-password-hint">
<button type="submit">Change password</button>
</form>`,
  );
}

export interface SecurityPage {
  factors: Array<{ id: string; type: 'totp' | 'webauthn'; label: string; createdOn: string; lastUsedOn?: string }>;
  recoveryCodesLeft: number;
  /** A fresh second factor was given within the step-up window. */
  steppedUp: boolean;
  notice?: string;
  error?: string;
}

export function accountSecurityPage(brand: Brand, shell: AccountShell, p: SecurityPage): SafeHtml {
  const csrf = csrfField(shell.csrf);
  const factors = p.factors.length
    ? html`<ul class="list" id="factors">${p.factors
        .map(
          (f) => html`<li><strong>${f.label}</strong> <span class="muted">(${f.type === 'totp' ? 'authenticator app' : 'passkey'})</span><br>
<span class="muted">Added <span class="nowrap">${f.createdOn}</span>${f.lastUsedOn && html`, last used <span class="nowrap">${f.lastUsedOn}</span>`}</span><br>
<form method="post" action="/account/security/factors/${f.id}/remove">${csrf}<button type="submit" class="secondary inline" aria-label="Remove ${f.label}">Remove</button></form></li>`,
        )
}</ul>`
    : html`<p>You have no second factor yet. Add one so a stolen password is not enough to sign in as you.</p>`;
  const stepUp = p.steppedUp
    ? html`<p class="muted">You verified yourself recently: you can remove factors and create recovery codes for a few minutes.</p>`
    : html`<p class="muted">Removing a factor or creating new recovery codes asks for a fresh code from one of your factors first.</p>`;
  return accountPage(
    brand,
    shell,
    'Two-step verification',
    html`<h1>Two-step verification</h1>${notice(p.notice)}${alert(p.error)}
<h2>Your factors</h2>
${factors}${stepUp}
<h2>Add a factor</h2>
<form method="post" action="/account/security/totp">${csrf}<button type="submit" class="inline">Add an authenticator app</button></form>
<button type="button" class="secondary inline" id="passkey-register" data-ceremony="register"
 data-options="/account/security/passkey/register-options" data-verify="/account/security/passkey/register" data-csrf="${shell.csrf}">Add a passkey</button>
<p class="error" role="alert" id="passkey-error" hidden></p>
<h2>Recovery codes</h2>
<p>${p.recoveryCodesLeft} unused recovery code${p.recoveryCodesLeft === 1 ? '' : 's'} left.</p>
<form method="post" action="/account/security/recovery-codes">${csrf}<button type="submit" class="secondary inline">Create new recovery codes</button></form>
<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`,
  );
}

export function accountRecoveryCodesPage(brand: Brand, shell: AccountShell, codes: string[]): SafeHtml {
  return accountPage(
    brand,
    shell,
    'New recovery codes',
    html`<h1>New recovery codes</h1><p>Your previous recovery codes no longer work.</p>${recoveryCodesBlock(codes)}
<p><a class="button-link" href="/account/security">I have saved them</a></p>`,
  );
}

export function accountTotpPage(brand: Brand, shell: AccountShell, p: Omit<TotpEnrolPage, 'action' | 'csrf' | 'cancelUrl'>): SafeHtml {
  return totpEnrolPage(
    brand,
    'Add an authenticator app',
    { ...p, action: '/account/security/totp/confirm', csrf: shell.csrf, cancelUrl: '/account/security' },
    (title, body) => accountPage(brand, shell, title, body),
  );
}

/** Step-up: a fresh code from one of the person's factors before a sensitive change. */
export function accountVerifyPage(brand: Brand, shell: AccountShell, p: { next: string; hasTotp: boolean; hasPasskey: boolean; error?: string }): SafeHtml {
  const csrf = csrfField(shell.csrf);
  const next = html`<input type="hidden" name="next" value="${p.next}">`;
  const totp = p.hasTotp
    ? html`<form method="post" action="/account/verify">${csrf}${next}
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>`
    : '';
  const passkey = p.hasPasskey
    ? html`<button type="button" class="secondary" id="passkey-authenticate" data-ceremony="authenticate"
 data-options="/account/verify/passkey-options" data-verify="/account/verify/passkey?next=${encodeURIComponent(p.next)}" data-csrf="${shell.csrf}">Use a passkey</button>
<p class="error" role="alert" id="passkey-error" hidden></p>
<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`
    : '';
  return accountPage(
    brand,
    shell,
    'Verify it is you',
    html`<h1>Verify it is you</h1><p>This change needs a fresh second factor.</p>${alert(p.error)}${totp}${passkey}
<details><summary>Use a recovery code</summary>
<form method="post" action="/account/verify">${csrf}${next}
<label for="recovery">Recovery code</label>
<input id="recovery" name="recoveryCode" autocomplete="off" maxlength="32" required>
<button type="submit" class="secondary">Verify</button>
</form></details>
<p><a href="/account/security">Cancel</a></p>`,
  );
}

export interface SessionsPage {
  sessions: Array<{ uid: string; current: boolean; signedInAt: string; methods: string; apps: string[] }>;
  notice?: string;
}

export function accountSessionsPage(brand: Brand, shell: AccountShell, p: SessionsPage): SafeHtml {
  const others = p.sessions.filter((s) => !s.current).length;
  return accountPage(
    brand,
    shell,
    'Signed-in devices',
    html`<h1>Signed-in devices</h1>${notice(p.notice)}
<ul class="list" id="sessions">${p.sessions
      .map(
        (s) => html`<li>${s.current ? html`<strong>This device</strong>` : 'Another device'}<br>
<span class="muted">Signed in <span class="nowrap">${s.signedInAt}</span> with ${s.methods}${s.apps.length ? `; apps: ${s.apps.join(', ')}` : ''}</span></li>`,
      )
}</ul>
${
  others
    ? html`<form method="post" action="/account/sessions/sign-out-others">${csrfField(shell.csrf)}<button type="submit">Sign out all other devices (${others})</button></form>`
    : html`<p>You are not signed in anywhere else.</p>`
}`,
  );
}
