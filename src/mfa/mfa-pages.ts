import { html, layout, recoveryCodesBlock, savedConfirmation, type Brand, type SafeHtml } from '../ui/index.js';

export interface MfaChallengePage {
  uid: string;
  csrf: string;
  hasTotp: boolean;
  hasPasskey: boolean;
  error?: string;
}

/** The second-factor challenge: "Authentication code" + "Verify", a passkey, or a "Recovery code". */
export function mfaChallengePage(brand: Brand, p: MfaChallengePage): SafeHtml {
  const error = p.error ? html`<p class="error" role="alert">${p.error}</p>` : '';
  const base = `/interaction/${p.uid}/mfa`;
  const totp = p.hasTotp
    ? html`<form method="post" action="${base}/totp">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>`
    : '';
  const passkey = p.hasPasskey ? passkeyButton(base, p.csrf, 'authenticate', 'Use a passkey') : '';
  return layout(
    brand,
    'Verify it is you',
    html`<h1>Verify it is you</h1><p>Enter the code from your authenticator app${p.hasPasskey ? ', or use your passkey' : ''}.</p>${error}
${totp}${passkey}
<details><summary>Use a recovery code</summary>
<form method="post" action="${base}/recovery">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="recovery">Recovery code</label>
<input id="recovery" name="code" autocomplete="off" maxlength="32" required>
<button type="submit" class="secondary">Verify</button>
</form></details>${p.hasPasskey ? WEBAUTHN_SCRIPTS : ''}`,
  );
}

/** MFA_ENROLMENT=invite-only: the one-time code an administrator gave, before any factor can be enrolled. */
export function enrolmentCodePage(brand: Brand, p: { uid: string; csrf: string; error?: string }): SafeHtml {
  const error = p.error ? html`<p class="error" role="alert">${p.error}</p>` : '';
  return layout(
    brand,
    'Set up two-step verification',
    html`<h1>Set up two-step verification</h1>
<p>Your organisation requires a second factor. Enter the enrolment code your administrator gave you to set one up.</p>${error}
<form method="post" action="/interaction/${p.uid}/mfa/enrolment-code">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="code">Enrolment code</label>
<input id="code" name="code" autocomplete="off" maxlength="32" required autofocus>
<button type="submit">Verify</button>
</form>`,
  );
}

export interface MfaEnrolPage {
  uid: string;
  csrf: string;
  secret: string;
  qrSvg: string;
  /** What the authenticator app will list: the issuer (the organisation) and the account label (the otpauth URI's). */
  issuer: string;
  account: string;
  error?: string;
}

/** First sign-in under an MFA policy: scan the QR code (rendered here, no outside service) or add a passkey. */
export function mfaEnrolPage(brand: Brand, p: MfaEnrolPage): SafeHtml {
  const error = p.error ? html`<p class="error" role="alert">${p.error}</p>` : '';
  const base = `/interaction/${p.uid}/mfa`;
  const qr = `data:image/svg+xml;base64,${Buffer.from(p.qrSvg).toString('base64')}`;
  const grouped = p.secret.match(/.{1,4}/g)!.join(' ');
  return layout(
    brand,
    'Set up two-step verification',
    html`<h1>Set up two-step verification</h1>
<p>Your organisation requires a second factor. Scan this code with an authenticator app, then enter the six-digit code it shows.</p>${error}
<p>The app will list it as <strong>${p.issuer}</strong> (${p.account}).</p>
<img class="qr" src="${qr}" alt="QR code for your authenticator app: ${p.issuer}, ${p.account}" width="200" height="200">
<p class="muted">Can't scan it? Enter this key in the app: <code id="totp-secret">${grouped}</code></p>
<form method="post" action="${base}/enrol">
<input type="hidden" name="csrf" value="${p.csrf}">
<label for="code">Authentication code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required autofocus>
<button type="submit">Verify</button>
</form>
<p class="muted">Or use a passkey on this device instead:</p>
${passkeyButton(base, p.csrf, 'register', 'Add a passkey')}${WEBAUTHN_SCRIPTS}`,
  );
}

/** Shown once, right after enrolment: ten single-use codes for when the phone is lost, and "I have saved them" before continuing. */
export function recoveryCodesPage(brand: Brand, uid: string, csrf: string, codes: string[] | null): SafeHtml {
  const body = codes ? recoveryCodesBlock(codes) : html`<p>Your recovery codes were already shown. You can create a new set after signing in.</p>`;
  return layout(
    brand,
    'Recovery codes',
    html`<h1>Recovery codes</h1>${body}
<form method="post" action="/interaction/${uid}/mfa/done">
<input type="hidden" name="csrf" value="${csrf}">
${codes && savedConfirmation()}
<button type="submit">Continue</button>
</form>`,
  );
}

function passkeyButton(base: string, csrf: string, ceremony: 'authenticate' | 'register', label: string): SafeHtml {
  return html`<button type="button" class="secondary" id="passkey-${ceremony}" data-ceremony="${ceremony}"
 data-options="${base}/webauthn/${ceremony}-options" data-verify="${base}/webauthn/${ceremony}" data-csrf="${csrf}">${label}</button>
<p class="error" role="alert" id="passkey-error" hidden></p>`;
}

const WEBAUTHN_SCRIPTS = html`
<script src="/assets/simplewebauthn-browser.js" defer></script>
<script src="/assets/passkey.js" defer></script>`;

/** The passkey ceremony in the browser (WebAuthn needs script; everything else works without). */
export const PASSKEY_SCRIPT = `(function () {
  function start(button) {
    var error = document.getElementById('passkey-error');
    var headers = { 'content-type': 'application/json', 'x-csrf-token': button.dataset.csrf };
    fetch(button.dataset.options, { method: 'POST', headers: headers, credentials: 'same-origin', body: '{}' })
      .then(function (r) { if (!r.ok) throw new Error('options'); return r.json(); })
      .then(function (options) {
        var lib = window.SimpleWebAuthnBrowser;
        return button.dataset.ceremony === 'register'
          ? lib.startRegistration({ optionsJSON: options })
          : lib.startAuthentication({ optionsJSON: options });
      })
      .then(function (response) {
        return fetch(button.dataset.verify, { method: 'POST', headers: headers, credentials: 'same-origin', body: JSON.stringify(response) });
      })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (result) {
        if (result.ok && result.body.redirect) { window.location.assign(result.body.redirect); return; }
        throw new Error(result.body.message || 'failed');
      })
      .catch(function () {
        error.textContent = 'The passkey could not be used. Try again, or use your authentication code.';
        error.hidden = false;
      });
  }
  document.addEventListener('DOMContentLoaded', function () {
    ['passkey-authenticate', 'passkey-register'].forEach(function (id) {
      var button = document.getElementById(id);
      if (button) button.addEventListener('click', function () { start(button); });
    });
  });
})();
`;
