import type { Page } from '../api.js';
import { action, notice, once, onSubmit, type Ctx } from '../context.js';
import { badge, checkbox, facts, field, h, lines, select, table, when, words } from '../dom.js';

interface Client {
  clientId: string;
  name: string;
  type: 'confidential' | 'public';
  applicationType: 'web' | 'native';
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  tokenEndpointAuthMethod: string;
  scope: string | null;
  resourceScopes: string[];
  mfaPolicy: 'required' | 'optional';
  enabled: boolean;
  hasSecret: boolean;
  secretUpdatedAt: string | null;
  createdAt: string;
  updatedAt: string;
  clientSecret?: string;
}

interface ConsentPolicy {
  firstParty: boolean;
  version?: number;
}

type Kind = 'web' | 'native' | 'machine' | 'smart';

const KINDS: Array<[Kind, string, string]> = [
  ['web', 'Web app with a back end', 'Server-side app that keeps a client secret; signs people in (authorization code).'],
  ['native', 'Native or single-page app', 'Mobile, desktop or browser app that cannot keep a secret: public client with PKCE.'],
  ['machine', 'Machine (service to service)', 'No person signs in: client credentials for an API (for example an admin job).'],
  ['smart', 'SMART on FHIR app', 'A clinical app for a FHIR server: patient or user launch, SMART scopes.'],
];

const kindOf = (c: Client): string =>
  c.grantTypes.includes('client_credentials') && !c.grantTypes.includes('authorization_code')
    ? 'machine'
    : c.resourceScopes.some((s) => /^(patient|user|launch)\b/.test(s))
      ? 'SMART'
      : c.type === 'public'
        ? 'native / single-page'
        : 'web';

export async function appsList(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const main = ctx.page('Apps', 'Applications (OAuth clients) that sign people in here or call an API.');
  const q = h('input', { type: 'search', name: 'q', value: params.get('q') ?? '', autocomplete: 'off' });
  const search = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Find apps' }, field('Name', q), h('button', { type: 'submit' }, 'Find'));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go(q.value.trim() ? `#/apps?q=${encodeURIComponent(q.value.trim())}` : '#/apps');
  });
  const n = notice();
  main.append(search);
  if (ctx.can('client-admin')) main.append(h('p', null, h('a', { href: '#/apps/new', class: 'button' }, 'Register an app')));
  main.append(n.el);
  try {
    const page = await ctx.api.get<Page<Client>>('/clients', { q: params.get('q'), cursor: params.get('cursor'), limit: 50 });
    main.append(
      table(
        `Apps (${page.body.items.length}${page.body.nextCursor ? '+' : ''})`,
        ['Name', 'Client id', 'Kind', 'State', 'MFA', 'Created'],
        page.body.items.map((c) => [
          h('a', { href: `#/apps/${encodeURIComponent(c.clientId)}` }, c.name),
          h('code', null, c.clientId),
          kindOf(c),
          badge(c.enabled ? 'enabled' : 'disabled'),
          c.mfaPolicy,
          when(c.createdAt),
        ]),
      ),
    );
    if (page.body.nextCursor) {
      const next = new URLSearchParams(params);
      next.set('cursor', page.body.nextCursor);
      main.append(h('p', null, h('a', { href: `#/apps?${next}` }, 'Next page')));
    }
  } catch (err) {
    n.fail(err);
  }
}

/** The registration body of each kind of app: the guided form fills in what the kind implies. */
function registration(kind: Kind, f: { name: string; redirects: string[]; logout: string[]; scope: string; resourceScopes: string[]; mfa: string; confidential: boolean }) {
  const common = { name: f.name, mfaPolicy: f.mfa, ...(f.scope ? { scope: f.scope } : {}), resourceScopes: f.resourceScopes };
  switch (kind) {
    case 'web':
      return { ...common, type: 'confidential', applicationType: 'web', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: f.redirects, postLogoutRedirectUris: f.logout };
    case 'native':
      return { ...common, type: 'public', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: f.redirects, postLogoutRedirectUris: f.logout };
    case 'machine':
      return { name: f.name, mfaPolicy: f.mfa, type: 'confidential', grantTypes: ['client_credentials'], resourceScopes: f.resourceScopes };
    case 'smart':
      return {
        ...common,
        type: f.confidential ? 'confidential' : 'public',
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: f.redirects,
        postLogoutRedirectUris: f.logout,
      };
  }
}

export function appCreate(ctx: Ctx): void {
  const main = ctx.page('Register an app');
  if (!ctx.can('client-admin')) {
    main.append(h('p', null, 'Your roles do not include client-admin: you can read apps but not register them.'));
    return;
  }
  const radios = KINDS.map(([value, label, hint]) => {
    const input = h('input', { type: 'radio', name: 'kind', value, id: `kind-${value}`, checked: value === 'web', 'aria-describedby': `kind-${value}-hint` });
    return { value, input, el: h('div', { class: 'check' }, input, h('label', { for: input.id }, label), h('span', { class: 'hint', id: `kind-${value}-hint` }, hint)) };
  });
  const name = h('input', { type: 'text', name: 'name', required: true, autocomplete: 'off' });
  const redirects = h('textarea', { name: 'redirectUris', rows: 2 });
  const logout = h('textarea', { name: 'postLogoutRedirectUris', rows: 2 });
  const scope = h('input', { type: 'text', name: 'scope', value: 'openid profile email', autocomplete: 'off' });
  const resourceScopes = h('textarea', { name: 'resourceScopes', rows: 2 });
  const mfa = select([['required', 'Required (recommended)'], ['optional', 'Optional']], 'required', { name: 'mfaPolicy' });
  const confidential = h('input', { name: 'confidential' });
  const firstParty = h('input', { name: 'firstParty' });
  const redirectField = field('Redirect URIs', redirects, 'One per line, exact and absolute: https, or http://127.0.0.1:<port>/… for a native app.');
  const logoutField = field('Post-logout redirect URIs', logout, 'Optional, one per line.');
  const scopeField = field('OpenID scopes it may ask for', scope, 'Ceiling of openid profile email offline_access.');
  const resourceField = field('API scopes it may receive (ceiling)', resourceScopes, 'Space or line separated. A request for more is narrowed to these.');
  const confidentialField = checkbox('It has a back end that keeps a client secret', confidential);
  const n = notice();
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'New app' },
    h('fieldset', null, h('legend', null, 'What kind of app is it?'), ...radios.map((r) => r.el)),
    field('Name people see', name),
    redirectField,
    logoutField,
    scopeField,
    resourceField,
    confidentialField,
    field('Second factor for people signing in', mfa),
    checkbox('First-party app: skip the consent page', firstParty, 'Only for apps your organisation runs; each skip is audited.'),
    h('button', { type: 'submit' }, 'Register app'),
  );
  const kind = (): Kind => (radios.find((r) => r.input.checked)?.value ?? 'web') as Kind;
  const adapt = () => {
    const k = kind();
    redirectField.hidden = logoutField.hidden = scopeField.hidden = k === 'machine';
    confidentialField.hidden = k !== 'smart';
    if (k === 'smart' && !resourceScopes.value) resourceScopes.value = 'launch/patient fhirUser patient/*.rs';
    if (k === 'smart' && scope.value === 'openid profile email') scope.value = 'openid offline_access';
    if (k !== 'smart' && resourceScopes.value === 'launch/patient fhirUser patient/*.rs') resourceScopes.value = '';
  };
  for (const r of radios) r.input.addEventListener('change', adapt);
  adapt();
  onSubmit(form, n, async () => {
    const body = registration(kind(), {
      name: name.value.trim(),
      redirects: lines(redirects.value),
      logout: lines(logout.value),
      scope: scope.value.trim(),
      resourceScopes: words(resourceScopes.value),
      mfa: mfa.value,
      confidential: confidential.checked,
    });
    const created = await ctx.api.call<Client>('POST', '/clients', { body, idempotent: true });
    const c = created.body;
    if (firstParty.checked) await ctx.api.call('PUT', `/clients/${encodeURIComponent(c.clientId)}/consent-policy`, { body: { firstParty: true } });
    form.reset();
    adapt();
    return h(
      'span',
      null,
      'Registered ',
      h('a', { href: `#/apps/${encodeURIComponent(c.clientId)}` }, c.name),
      ' with client id ',
      h('code', { class: 'client-id' }, c.clientId),
      '.',
      c.clientSecret ? once('Client secret', c.clientSecret) : null,
    );
  });
  main.append(form, n.el);
}

export async function appDetail(ctx: Ctx, clientId: string): Promise<void> {
  const main = ctx.page('App');
  const n = notice();
  main.append(n.el);
  let client: Client;
  let etag: string | null;
  try {
    const res = await ctx.api.get<Client>(`/clients/${encodeURIComponent(clientId)}`);
    client = res.body;
    etag = res.etag;
  } catch (err) {
    n.fail(err);
    return;
  }
  const path = `/clients/${encodeURIComponent(client.clientId)}`;
  ctx.page(`App ${client.name}`);
  let policy: { body: ConsentPolicy; etag: string | null } | null = null;
  try {
    policy = await ctx.api.get<ConsentPolicy>(`${path}/consent-policy`);
  } catch {
    policy = null;
  }
  main.append(
    facts([
      ['Client id', h('code', null, client.clientId)],
      ['Kind', `${kindOf(client)} (${client.type}, ${client.applicationType})`],
      ['State', badge(client.enabled ? 'enabled' : 'disabled')],
      ['Grant types', client.grantTypes.join(', ')],
      ['Authentication', client.tokenEndpointAuthMethod],
      ['Redirect URIs', client.redirectUris.length ? h('ul', { class: 'plain' }, ...client.redirectUris.map((u) => h('li', null, h('code', null, u)))) : '—'],
      ['OpenID scopes', client.scope ?? '—'],
      ['API scope ceiling', client.resourceScopes.join(' ') || '—'],
      ['MFA', client.mfaPolicy],
      ['Consent', policy ? (policy.body.firstParty ? 'first-party: consent page skipped' : 'asks the person') : '—'],
      ['Secret', client.hasSecret ? `set ${when(client.secretUpdatedAt)}` : 'none (public or key-based)'],
      ['Created', when(client.createdAt)],
    ]),
  );
  if (!ctx.can('client-admin')) return;

  const name = h('input', { type: 'text', name: 'name', value: client.name, autocomplete: 'off' });
  const redirects = h('textarea', { name: 'redirectUris', rows: 3 });
  redirects.value = client.redirectUris.join('\n');
  const logout = h('textarea', { name: 'postLogoutRedirectUris', rows: 2 });
  logout.value = client.postLogoutRedirectUris.join('\n');
  const scope = h('input', { type: 'text', name: 'scope', value: client.scope ?? '', autocomplete: 'off' });
  const resourceScopes = h('textarea', { name: 'resourceScopes', rows: 2 });
  resourceScopes.value = client.resourceScopes.join(' ');
  const mfa = select([['required', 'Required'], ['optional', 'Optional']], client.mfaPolicy, { name: 'mfaPolicy' });
  const en = notice();
  const machine = !client.grantTypes.includes('authorization_code');
  const edit = h(
    'form',
    { class: 'form', 'aria-labelledby': 'edit-app' },
    h('h2', { id: 'edit-app' }, 'Settings'),
    field('Name', name),
    machine ? null : field('Redirect URIs', redirects, 'One per line, exact.'),
    machine ? null : field('Post-logout redirect URIs', logout, 'One per line.'),
    machine ? null : field('OpenID scopes (ceiling)', scope),
    field('API scope ceiling', resourceScopes, 'Space or line separated.'),
    field('Second factor', mfa),
    h('button', { type: 'submit' }, 'Save changes'),
    en.el,
  );
  onSubmit(edit, en, async () => {
    const body: Record<string, unknown> = { name: name.value.trim(), resourceScopes: words(resourceScopes.value), mfaPolicy: mfa.value };
    if (!machine) Object.assign(body, { redirectUris: lines(redirects.value), postLogoutRedirectUris: lines(logout.value), scope: scope.value.trim() || null });
    const res = await ctx.api.call<Client>('PATCH', path, { ifMatch: etag, body });
    etag = res.etag;
    return 'Saved.';
  });

  const an = notice();
  const buttons: HTMLButtonElement[] = [];
  if (client.hasSecret) {
    const rotate = h('button', { type: 'button', class: 'secondary' }, 'Rotate secret');
    action(rotate, an, async () => {
      if (!confirm('Issue a new secret? The current one stops working at once.')) return;
      const res = await ctx.api.call<{ clientSecret: string }>('POST', `${path}/secret`);
      return once('New client secret', res.body.clientSecret);
    });
    buttons.push(rotate);
  }
  const first = h('button', { type: 'button', class: 'secondary' }, policy?.body.firstParty ? 'Ask for consent again' : 'Make first-party (skip consent)');
  action(first, an, async () => {
    await ctx.api.call('PUT', `${path}/consent-policy`, { body: { firstParty: !policy?.body.firstParty }, ifMatch: policy?.etag });
    ctx.go(`#/apps/${encodeURIComponent(client.clientId)}`);
  });
  buttons.push(first);
  const toggle = h('button', { type: 'button', class: client.enabled ? 'danger' : '' }, client.enabled ? 'Disable app' : 'Enable app');
  action(toggle, an, async () => {
    await ctx.api.call('POST', `${path}/${client.enabled ? 'disable' : 'enable'}`);
    ctx.go(`#/apps/${encodeURIComponent(client.clientId)}`);
  });
  buttons.push(toggle);
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete app');
  action(remove, an, async () => {
    if (!confirm(`Delete ${client.name}? Its tokens stop working and the id is never reused.`)) return;
    await ctx.api.call('DELETE', path);
    ctx.go('#/apps');
  });
  buttons.push(remove);
  main.append(edit, h('section', { 'aria-labelledby': 'app-actions' }, h('h2', { id: 'app-actions' }, 'Actions'), h('div', { class: 'actions' }, ...buttons), an.el));
}
