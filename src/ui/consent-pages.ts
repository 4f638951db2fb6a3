import { escapeHtml, layout, type Brand } from './html.js';

/** A group of plain-language scope descriptions (the consent module decides them; these pages only show them). */
export interface ScopeGroupItems {
  label: string;
  items: Array<{ scope: string; text: string }>;
}

function groupsHtml(groups: readonly ScopeGroupItems[]): string {
  return groups
    .map(
      (g) => `<section class="scope-group">
<h2>${escapeHtml(g.label)}</h2>
<ul>${g.items.map((i) => `<li>${escapeHtml(i.text)} <span class="muted">(${escapeHtml(i.scope)})</span></li>`).join('')}</ul>
</section>`,
    )
    .join('\n');
}

export interface ConsentPage {
  action: string;
  csrf: string;
  clientName: string;
  groups: ScopeGroupItems[];
  /** The patient record this launch opens, when there is one. */
  patientName?: string;
  /** How long the permission lasts unless taken back, in plain words ("90 days"). */
  lasts: string;
  /** Where the user can take it back later. */
  manageUrl: string;
}

/** "Allow" / "Deny": what the app asks for, grouped, in plain language; nothing is granted until Allow. */
export function consentPage(brand: Brand, page: ConsentPage): string {
  const patient = page.patientName ? `<p>Patient record: <strong>${escapeHtml(page.patientName)}</strong></p>` : '';
  return layout(
    brand,
    'Allow access?',
    `<h1>Allow ${escapeHtml(page.clientName)} to access your information?</h1>
<p>${escapeHtml(page.clientName)} is asking to:</p>
${patient}
${groupsHtml(page.groups)}
<p class="muted">This permission lasts ${escapeHtml(page.lasts)} unless you take it back. You can see and take back what you allowed at <a href="${escapeHtml(page.manageUrl)}">your connected apps</a>.</p>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</form>`,
  );
}

export interface PatientPickerPage {
  action: string;
  csrf: string;
  clientName: string;
  patients: Array<{ id: string; name: string }>;
}

/** Standalone SMART launch: the user chooses which patient record the app opens (one button each). */
export function patientPickerPage(brand: Brand, page: PatientPickerPage): string {
  const buttons = page.patients
    .map((p) => `<button type="submit" name="patient" value="${escapeHtml(p.id)}" class="secondary">${escapeHtml(p.name)}</button>`)
    .join('\n');
  return layout(
    brand,
    'Choose a patient',
    `<h1>Choose a patient</h1>
<p>Which patient record should ${escapeHtml(page.clientName)} open?</p>
<form method="post" action="${escapeHtml(page.action)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
${buttons}
</form>`,
  );
}

export interface ConnectedApp {
  name: string;
  grantedOn: string;
  expiresOn: string;
  groups: ScopeGroupItems[];
  revokeAction: string;
}

export interface ConnectedAppsPage {
  csrf: string;
  apps: ConnectedApp[];
  notice?: string;
}

/** The apps a user has allowed (SMART's management endpoint), each with "Revoke access". */
export function connectedAppsPage(brand: Brand, page: ConnectedAppsPage, shell?: (title: string, body: string) => string): string {
  const notice = page.notice ? `<p role="status">${escapeHtml(page.notice)}</p>` : '';
  const apps = page.apps.length
    ? page.apps
        .map(
          (app) => `<article class="connected-app">
<h2>${escapeHtml(app.name)}</h2>
<p class="muted">Allowed on <span class="nowrap">${escapeHtml(app.grantedOn)}</span>; lasts until <span class="nowrap">${escapeHtml(app.expiresOn)}</span> unless you take it back.</p>
${groupsHtml(app.groups)}
<form method="post" action="${escapeHtml(app.revokeAction)}">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
<button type="submit" class="secondary">Revoke access for ${escapeHtml(app.name)}</button>
</form>
</article>`,
        )
        .join('\n')
    : '<p>You have not allowed any app to access your information.</p>';
  const body = `<h1>Connected apps</h1>\n${notice}\n${apps}`;
  return shell ? shell('Connected apps', body) : layout(brand, 'Connected apps', body);
}
