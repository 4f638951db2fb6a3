import './styles.css';
import { AdminApi, ApiError } from './api.js';
import { ConsoleAuth, type Settings } from './auth.js';
import { problemText, type Ctx, type Role } from './context.js';
import { h } from './dom.js';
import { appCreate, appDetail, appsList } from './screens/apps.js';
import { auditScreen } from './screens/audit.js';
import { keysScreen } from './screens/keys.js';
import { identityProviderCreate, identityProviderDetail, identityProvidersScreen, webhooksScreen } from './screens/federation.js';
import { groupCreate, groupDetail, groupsList } from './screens/groups.js';
import { approvalsScreen, breakGlassScreen, postureScreen } from './screens/more.js';
import { userCreate, userDetail, usersList } from './screens/users.js';

interface Screen {
  hash: string;
  label: string;
  /** Roles that may read it (super-admin always may): the API enforces the same. */
  roles: Role[];
}

const SCREENS: Screen[] = [
  { hash: '#/users', label: 'Users', roles: ['user-admin', 'auditor'] },
  { hash: '#/groups', label: 'Groups', roles: ['user-admin', 'auditor'] },
  { hash: '#/apps', label: 'Apps', roles: ['client-admin', 'auditor'] },
  { hash: '#/keys', label: 'Signing keys', roles: ['key-admin', 'auditor'] },
  { hash: '#/audit', label: 'Audit', roles: ['auditor'] },
  { hash: '#/posture', label: 'Posture', roles: ['auditor'] },
  { hash: '#/break-glass', label: 'Break-glass', roles: ['auditor'] },
  { hash: '#/identity-providers', label: 'Identity providers', roles: ['auditor'] },
  { hash: '#/webhooks', label: 'Webhooks', roles: [] },
];
const APPROVALS: Screen = { hash: '#/approvals', label: 'Approvals', roles: ['auditor'] };

const root = document.getElementById('app')!;

function fatal(title: string, body: Node[], retry?: () => void): void {
  document.title = `${title} · Admin console`;
  const button = retry ? h('button', { type: 'button' }, 'Sign in again') : null;
  button?.addEventListener('click', retry!);
  root.replaceChildren(h('main', { id: 'main', class: 'narrow', tabindex: '-1' }, h('h1', null, title), ...body, button));
}

async function start(): Promise<void> {
  const settings = (await (await fetch('/admin/console/config.json', { cache: 'no-store' })).json()) as Settings;
  // Opened under another name of this host (127.0.0.1 for localhost): move to the issuer's, the
  // only origin the sign-in redirects back to and the CSP lets the page call.
  if (location.origin !== new URL(settings.issuer).origin) {
    location.replace(`${settings.redirectUri}${location.hash}`);
    return;
  }
  const auth = new ConsoleAuth(settings);
  if (auth.isCallback()) {
    try {
      await auth.finishSignIn();
    } catch (err) {
      const description = err instanceof Error ? ((err as { error_description?: string }).error_description ?? err.message) : String(err);
      fatal('Sign-in did not complete', [h('p', null, description)], () => void auth.signIn());
      return;
    }
  }
  const signed = auth.current();
  if (!signed) {
    if (auth.wasSignedOut()) {
      fatal('Signed out', [h('p', null, 'You are signed out of the admin console.')], () => void auth.signIn());
      return;
    }
    await auth.signIn();
    return;
  }
  const api = new AdminApi(
    () => auth.current()?.accessToken ?? null,
    () => {
      auth.forget();
      void auth.signIn();
    },
  );
  let me: { kind: string; id: string; roles: Role[] };
  try {
    me = (await api.get<{ kind: string; id: string; roles: Role[] }>('/whoami')).body;
  } catch (err) {
    if (err instanceof ApiError && err.problem.status === 401) return;
    auth.forget();
    fatal('No access to the admin console', [...problemText(err), h('p', null, 'Ask a super-admin for an admin role; the console needs a sign-in with a second factor.')], () => void auth.signIn());
    return;
  }
  const can = (...roles: Role[]) => me.roles.includes('super-admin') || roles.some((r) => me.roles.includes(r));
  const screens = SCREENS.filter((s) => can(...s.roles));
  if (settings.features.approvals && can(...APPROVALS.roles)) screens.push(APPROVALS);

  const main = h('main', { id: 'main', tabindex: '-1' });
  const navLinks = screens.map((s) => h('a', { href: s.hash }, s.label));
  const signOut = h('button', { type: 'button', class: 'secondary small' }, 'Sign out');
  signOut.addEventListener('click', () => void auth.signOut());
  const who = h('span', { class: 'who' }, `Roles: ${me.roles.join(', ') || 'none'}`);
  root.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'product', href: '#/' }, `${settings.brand} admin`),
      h('nav', { 'aria-label': 'Admin console' }, ...navLinks),
      h('div', { class: 'me' }, who, signOut),
    ),
    main,
  );
  if (can('user-admin', 'auditor') && me.kind === 'user') {
    api.get<{ email: string }>(`/users/${me.id}`).then((r) => (who.textContent = `${r.body.email} · ${me.roles.join(', ')}`), () => undefined);
  }

  const ctx: Ctx = {
    api,
    roles: me.roles,
    me,
    can,
    go(hash) {
      if (location.hash === hash) void render();
      else location.hash = hash;
    },
    page(title, ...intro) {
      document.title = `${title} · ${settings.brand} admin console`;
      main.replaceChildren(h('h1', null, title), ...(intro.length ? [h('p', { class: 'intro' }, ...intro)] : []));
      return main;
    },
  };

  let first = true;
  async function render(): Promise<void> {
    const [path, query] = (location.hash.replace(/^#/, '') || '/').split('?') as [string, string | undefined];
    const params = new URLSearchParams(query ?? '');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    for (const a of navLinks) {
      if (a.getAttribute('href') === `#/${parts[0] ?? ''}`) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    const [section, id] = parts;
    if (!section) {
      if (screens[0]) ctx.go(screens[0].hash);
      else ctx.page('No screens', 'Your roles give you no screen of this console.');
      return;
    }
    const allowed = screens.some((s) => s.hash === `#/${section}`);
    if (!allowed) ctx.page('Not available', 'This screen is not part of your roles, or does not exist.');
    else if (section === 'users') await (id === 'new' ? userCreate(ctx) : id ? userDetail(ctx, id) : usersList(ctx, params));
    else if (section === 'apps') await (id === 'new' ? appCreate(ctx) : id ? appDetail(ctx, id) : appsList(ctx, params));
    else if (section === 'keys') await keysScreen(ctx);
    else if (section === 'audit') await auditScreen(ctx, params);
    else if (section === 'posture') await postureScreen(ctx);
    else if (section === 'break-glass') await breakGlassScreen(ctx, params);
    else if (section === 'groups') await (id === 'new' ? groupCreate(ctx) : id ? groupDetail(ctx, id) : groupsList(ctx, params));
    else if (section === 'identity-providers') await (id === 'new' ? identityProviderCreate(ctx) : id ? identityProviderDetail(ctx, id) : identityProvidersScreen(ctx));
    else if (section === 'webhooks') await webhooksScreen(ctx);
    else if (section === 'approvals') await approvalsScreen(ctx);
    // Move focus to the new screen for keyboard and screen-reader users (not on the first load).
    if (!first) main.focus();
    first = false;
    main.setAttribute('data-ready', section);
  }
  window.addEventListener('hashchange', () => void render());
  await render();
}

start().catch((err) => fatal('The admin console could not start', problemText(err)));
