import { escapeHtml, layout, type Brand } from './html.js';

export function messagePage(brand: Brand, title: string, message: string, detail?: string): string {
  return layout(
    brand,
    title,
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${detail ? `<p class="muted">${escapeHtml(detail)}</p>` : ''}`,
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
  return messagePage(brand, 'Signed out', 'You are signed out. You can close this window.');
}

export function errorPage(brand: Brand, error: unknown, description: unknown): string {
  return messagePage(
    brand,
    'Something went wrong',
    'The application that sent you here made a request we cannot complete. Return to it and try again; if it happens again, contact your help desk.',
    `${String(error ?? 'error')}${description ? `: ${String(description)}` : ''}`,
  );
}
