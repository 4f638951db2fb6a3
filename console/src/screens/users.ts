import type { Page } from '../api.js';
import { action, notice, once, onSubmit, type Ctx } from '../context.js';
import { badge, checkbox, facts, field, h, select, table, when, words } from '../dom.js';

interface User {
  id: string;
  email: string;
  emailVerified: boolean;
  givenName: string | null;
  familyName: string | null;
  status: string;
  roles: string[];
  hasPassword: boolean;
  lockedUntil: string | null;
  createdAt: string;
  updatedAt: string;
  passwordSetupLink?: string | null;
}

interface Session {
  uid: string;
  [k: string]: unknown;
}

const ADMIN_ROLES = ['super-admin', 'user-admin', 'client-admin', 'key-admin', 'auditor'];
const nameOf = (u: User) => [u.givenName, u.familyName].filter(Boolean).join(' ') || '—';

export async function usersList(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const main = ctx.page('Users', 'People who sign in here: find them, create or invite them, and manage their access.');
  const q = h('input', { type: 'search', name: 'q', value: params.get('q') ?? '', autocomplete: 'off' });
  const status = select(
    [['', 'Any status'], ['active', 'Active'], ['disabled', 'Disabled'], ['locked', 'Locked'], ['deleted', 'Deleted']],
    params.get('status') ?? '',
    { name: 'status' },
  );
  const search = h(
    'form',
    { class: 'toolbar', role: 'search', 'aria-label': 'Find users' },
    field('Email or name', q),
    field('Status', status),
    h('button', { type: 'submit' }, 'Find'),
  );
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    if (q.value.trim()) next.set('q', q.value.trim());
    if (status.value) next.set('status', status.value);
    ctx.go(`#/users?${next}`);
  });
  const n = notice();
  main.append(search);
  if (ctx.can('user-admin')) main.append(h('p', null, h('a', { href: '#/users/new', class: 'button' }, 'Create or invite a user')));
  main.append(n.el);
  try {
    const page = await ctx.api.get<Page<User>>('/users', { q: params.get('q'), status: params.get('status'), cursor: params.get('cursor'), limit: 50 });
    main.append(
      table(
        `Users (${page.body.items.length}${page.body.nextCursor ? '+' : ''})`,
        ['Email', 'Name', 'Status', 'Roles', 'Created'],
        page.body.items.map((u) => [
          h('a', { href: `#/users/${u.id}` }, u.email),
          nameOf(u),
          badge(u.status),
          u.roles.join(', ') || '—',
          when(u.createdAt),
        ]),
      ),
    );
    if (page.body.nextCursor) {
      const next = new URLSearchParams(params);
      next.set('cursor', page.body.nextCursor);
      main.append(h('p', null, h('a', { href: `#/users?${next}` }, 'Next page')));
    }
  } catch (err) {
    n.fail(err);
  }
}

function roleInputs(current: string[]): { el: HTMLElement; value(): string[] } {
  const boxes = ADMIN_ROLES.map((r) => ({ role: r, input: h('input', { type: 'checkbox', name: 'role', value: r, checked: current.includes(r) }) }));
  const other = h('input', { type: 'text', name: 'otherRoles', value: current.filter((r) => !ADMIN_ROLES.includes(r)).join(' '), autocomplete: 'off' });
  const el = h(
    'fieldset',
    null,
    h('legend', null, 'Roles'),
    h('div', { class: 'checks' }, ...boxes.map((b) => checkbox(b.role, b.input))),
    field('Other roles', other, 'Space-separated, lowercase (for example clinician nurse). Only a super-admin grants admin roles.'),
  );
  return { el, value: () => [...boxes.filter((b) => b.input.checked).map((b) => b.role), ...words(other.value)] };
}

export function userCreate(ctx: Ctx): void {
  const main = ctx.page('Create or invite a user');
  if (!ctx.can('user-admin')) {
    main.append(h('p', null, 'Your roles do not include user-admin: you can read users but not create them.'));
    return;
  }
  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const given = h('input', { type: 'text', name: 'givenName', autocomplete: 'off' });
  const family = h('input', { type: 'text', name: 'familyName', autocomplete: 'off' });
  const invite = h('input', { type: 'radio', name: 'how', value: 'invite', checked: true, id: 'how-invite' });
  const setPw = h('input', { type: 'radio', name: 'how', value: 'password', id: 'how-password' });
  const password = h('input', { type: 'password', name: 'password', autocomplete: 'new-password' });
  const roles = roleInputs([]);
  const n = notice();
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'New user' },
    field('Email', email),
    h('div', { class: 'row' }, field('Given name', given), field('Family name', family)),
    roles.el,
    h(
      'fieldset',
      null,
      h('legend', null, 'How they get a password'),
      h('div', { class: 'check' }, invite, h('label', { for: 'how-invite' }, 'Invite: a single-use link where they set it')),
      h('div', { class: 'check' }, setPw, h('label', { for: 'how-password' }, 'Set an initial password now')),
      field('Initial password', password, 'Checked by the password policy. Leave empty for an invitation.'),
    ),
    h('button', { type: 'submit' }, 'Create user'),
  );
  onSubmit(form, n, async () => {
    const viaInvite = invite.checked;
    const body = {
      email: email.value.trim(),
      ...(given.value.trim() ? { givenName: given.value.trim() } : {}),
      ...(family.value.trim() ? { familyName: family.value.trim() } : {}),
      roles: roles.value(),
      ...(viaInvite ? { invite: true } : { password: password.value }),
    };
    const created = await ctx.api.call<User>('POST', '/users', { body, idempotent: true });
    const u = created.body;
    form.reset();
    return h(
      'span',
      null,
      'Created ',
      h('a', { href: `#/users/${u.id}` }, u.email),
      '.',
      u.passwordSetupLink ? once('Invitation link', u.passwordSetupLink) : null,
    );
  });
  main.append(form, n.el);
}

export async function userDetail(ctx: Ctx, id: string): Promise<void> {
  const main = ctx.page('User');
  const n = notice();
  main.append(n.el);
  let etag: string | null;
  let user: User;
  try {
    const res = await ctx.api.get<User>(`/users/${encodeURIComponent(id)}`);
    user = res.body;
    etag = res.etag;
  } catch (err) {
    n.fail(err);
    return;
  }
  ctx.page(`User ${user.email}`);
  main.append(
    facts([
      ['Email', `${user.email}${user.emailVerified ? ' (verified)' : ''}`],
      ['Name', nameOf(user)],
      ['Status', badge(user.status)],
      ['Roles', user.roles.join(', ') || '—'],
      ['Password', user.hasPassword ? 'set' : 'not set (invited)'],
      ['Locked until', when(user.lockedUntil)],
      ['Created', when(user.createdAt)],
      ['Id', h('code', null, user.id)],
    ]),
  );
  const write = ctx.can('user-admin');
  if (write) {
    const given = h('input', { type: 'text', name: 'givenName', value: user.givenName ?? '', autocomplete: 'off' });
    const family = h('input', { type: 'text', name: 'familyName', value: user.familyName ?? '', autocomplete: 'off' });
    const roles = roleInputs(user.roles);
    const en = notice();
    const edit = h(
      'form',
      { class: 'form', 'aria-labelledby': 'edit-user' },
      h('h2', { id: 'edit-user' }, 'Name and roles'),
      h('div', { class: 'row' }, field('Given name', given), field('Family name', family)),
      roles.el,
      h('button', { type: 'submit' }, 'Save changes'),
      en.el,
    );
    onSubmit(edit, en, async () => {
      const res = await ctx.api.call<User>('PATCH', `/users/${user.id}`, {
        ifMatch: etag,
        body: { givenName: given.value.trim() || null, familyName: family.value.trim() || null, roles: roles.value() },
      });
      etag = res.etag;
      return 'Saved.';
    });

    const an = notice();
    const disabled = user.status === 'disabled';
    const toggle = h('button', { type: 'button', class: disabled ? '' : 'danger' }, disabled ? 'Enable user' : 'Disable user');
    action(toggle, an, async () => {
      await ctx.api.call('POST', `/users/${user.id}/${disabled ? 'enable' : 'disable'}`);
      ctx.go(`#/users/${user.id}`);
    });
    const resetMfa = h('button', { type: 'button', class: 'danger' }, 'Reset MFA');
    action(resetMfa, an, async () => {
      if (!confirm(`Remove every second factor of ${user.email}? They enrol a new one at their next sign-in.`)) return;
      await ctx.api.call('DELETE', `/users/${user.id}/mfa`);
      return 'Second factors removed; the user enrols a new one at the next sign-in.';
    });
    const resetLink = h('button', { type: 'button', class: 'secondary' }, 'Send a password reset link');
    action(resetLink, an, async () => {
      const res = await ctx.api.call<{ passwordSetupLink: string | null }>('POST', `/users/${user.id}/password`, { body: { link: true } });
      return res.body.passwordSetupLink ? once('Password reset link', res.body.passwordSetupLink) : 'Password reset.';
    });
    const enrolCode = h('button', { type: 'button', class: 'secondary' }, 'Issue an MFA enrolment code');
    action(enrolCode, an, async () => {
      const res = await ctx.api.call<{ code: string; expiresAt: string }>('POST', `/users/${user.id}/mfa/enrolment-code`);
      return once(`Enrolment code (valid until ${when(res.body.expiresAt)})`, res.body.code);
    });
    main.append(
      edit,
      h('section', { 'aria-labelledby': 'user-actions' }, h('h2', { id: 'user-actions' }, 'Actions'), h('div', { class: 'actions' }, toggle, resetMfa, resetLink, enrolCode), an.el),
    );
  }

  const groups = h('section', { 'aria-labelledby': 'groups' }, h('h2', { id: 'groups' }, 'Groups'));
  main.append(groups);
  try {
    // The API lists groups with their members: the ones this person is in (a small hospital's
    // groups fit the largest page; more show a note rather than a wrong answer).
    const g = await ctx.api.get<{ items: Array<{ id: string; displayName: string; roles: string[]; members: Array<{ id: string }> }>; total: number }>('/groups', { limit: 200 });
    const mine = g.body.items.filter((x) => x.members.some((m) => m.id === user.id));
    groups.append(
      ...[
      mine.length
        ? h('ul', { class: 'plain' }, ...mine.map((x) => h('li', null, h('a', { href: `#/groups/${x.id}` }, x.displayName), x.roles.length ? ` (grants ${x.roles.join(', ')})` : '')))
        : h('p', null, 'Not in any group.'),
      g.body.total > g.body.items.length ? h('p', { class: 'hint' }, `Only the first ${g.body.items.length} of ${g.body.total} groups were checked.`) : null,
      write ? h('p', null, 'Add or remove members on a group’s screen under ', h('a', { href: '#/groups' }, 'Groups'), '.') : null,
      ].filter((x) => x !== null),
    );
  } catch (err) {
    const gn = notice();
    gn.fail(err);
    groups.append(gn.el);
  }
  const factors = h('section', { 'aria-labelledby': 'factors' }, h('h2', { id: 'factors' }, 'Second factors'));
  const sessions = h('section', { 'aria-labelledby': 'sessions' }, h('h2', { id: 'sessions' }, 'Sessions'));
  main.append(factors, sessions);
  try {
    const f = await ctx.api.get<{ items: Array<Record<string, unknown>> }>(`/users/${user.id}/mfa`);
    factors.append(
      f.body.items.length
        ? table('Confirmed factors', ['Kind', 'Name', 'Added', 'Last used'], f.body.items.map((x) => [String(x.type ?? x.kind ?? ''), String(x.label ?? x.name ?? '—'), when(x.createdAt as string), when((x.lastUsedAt as string) ?? null)]))
        : h('p', null, 'No second factor enrolled.'),
    );
  } catch (err) {
    const fn = notice();
    fn.fail(err);
    factors.append(fn.el);
  }
  const sn = notice();
  sessions.append(sn.el);
  try {
    const s = await ctx.api.get<Page<Session>>(`/users/${user.id}/sessions`);
    const rows = s.body.items.map((x) => {
      const end = write ? h('button', { type: 'button', class: 'secondary small' }, 'Sign out') : null;
      if (end) action(end, sn, async () => {
        await ctx.api.call('DELETE', `/users/${user.id}/sessions/${encodeURIComponent(x.uid)}`);
        end.closest('tr')?.remove();
        return 'Session ended.';
      });
      return [h('code', null, x.uid.slice(0, 12)), when((x.loginAt ?? x.createdAt) as string), when((x.expiresAt as string) ?? null), String((x.amr as string[] | undefined)?.join(' ') ?? '—'), end];
    });
    sessions.append(
      rows.length ? table('Active sessions', ['Session', 'Signed in', 'Expires', 'Methods', ''], rows) : h('p', null, 'No active session.'),
    );
    if (write && rows.length) {
      const all = h('button', { type: 'button', class: 'danger' }, 'Sign out everywhere');
      action(all, sn, async () => {
        await ctx.api.call('DELETE', `/users/${user.id}/sessions`);
        ctx.go(`#/users/${user.id}`);
      });
      sessions.append(all);
    }
  } catch (err) {
    sn.fail(err);
  }
}
