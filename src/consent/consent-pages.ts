import { html, type SafeHtml, layout, type Brand } from '../ui/index.js';

/** A group of plain-language scope descriptions (the consent module decides them; these pages only show them). */
export interface ScopeGroupItems {
  label: string;
  items: Array<{ scope: string; text: string }>;
}

function groupsHtml(groups: readonly ScopeGroupItems[]): SafeHtml {
  return html`${groups.map(
      (g) => html`<section class="scope-group">
<h2>${g.label}</h2>
<ul class="scopes">${g.items.map((i) => html`<li>${i.text} <small class="muted scope-name">(<code>${i.scope}</code>)</small></li>`)}</ul>
</section>`,
    )}`;
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
  /** Who is signed in (the person who is about to allow it). */
  signedInAs?: { name?: string; email: string };
}

/** "Allow" / "Deny": what the app asks for, grouped, in plain language; nothing is granted until Allow. */
export function consentPage(brand: Brand, page: ConsentPage): SafeHtml {
  const patient = page.patientName && html`<p>Patient record: <strong>${page.patientName}</strong></p>`;
  const who = page.signedInAs;
  const signedIn =
    who &&
    html`<p class="muted who">Signed in as <strong>${who.name ?? who.email}</strong>${who.name && html` (${who.email})`}. Not you? Choose Deny, then start again from the application and sign in as yourself.</p>`;
  return layout(
    brand,
    'Allow access?',
    html`<h1>Allow ${page.clientName} to access your information?</h1>
${signedIn}
<p>${page.clientName} is asking to:</p>
${patient}
${groupsHtml(page.groups)}
<p class="muted">This permission lasts ${page.lasts} unless you take it back. You can see and take back what you allowed at <a href="${page.manageUrl}">your connected apps</a>.</p>
<form method="post" action="${page.action}">
<input type="hidden" name="csrf" value="${page.csrf}">
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
export function patientPickerPage(brand: Brand, page: PatientPickerPage): SafeHtml {
  const buttons = page.patients
    .map((p) => html`<button type="submit" name="patient" value="${p.id}" class="secondary">${p.name}</button>`);
  return layout(
    brand,
    'Choose a patient',
    html`<h1>Choose a patient</h1>
<p>Which patient record should ${page.clientName} open?</p>
<form method="post" action="${page.action}">
<input type="hidden" name="csrf" value="${page.csrf}">
${buttons}
</form>`,
  );
}

export interface ConnectedApp {
  name: string;
  grantedAt: Date;
  expiresAt: Date;
  groups: ScopeGroupItems[];
  revokeAction: string;
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** A day as people read it ("3 Dec 2026"), machine-readable in datetime, never broken across lines. */
function date(d: Date): SafeHtml {
  return html`<time class="nowrap" datetime="${d.toISOString().slice(0, 10)}">${DAY.format(d)}</time>`;
}

export interface ConnectedAppsPage {
  csrf: string;
  apps: ConnectedApp[];
  notice?: string;
}

/** The apps a user has allowed (SMART's management endpoint), each with "Revoke access". */
export function connectedAppsPage(brand: Brand, page: ConnectedAppsPage, shell?: (title: string, body: SafeHtml) => SafeHtml): SafeHtml {
  const notice = page.notice ? html`<p role="status">${page.notice}</p>` : '';
  const apps = page.apps.length
    ? page.apps
        .map(
          (app) => html`<article class="connected-app">
<h2>${app.name}</h2>
<p class="muted">Allowed on ${date(app.grantedAt)}; lasts until ${date(app.expiresAt)} unless you take it back.</p>
${groupsHtml(app.groups)}
<form method="post" action="${app.revokeAction}">
<input type="hidden" name="csrf" value="${page.csrf}">
<button type="submit" class="secondary">Revoke access for ${app.name}</button>
</form>
</article>`,
        )
    : html`<p>You have not allowed any app to access your information.</p>`;
  const body = html`<h1>Connected apps</h1>\n${notice}\n${apps}`;
  return shell ? shell('Connected apps', body) : layout(brand, 'Connected apps', body);
}
