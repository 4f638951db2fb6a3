import { action, notice, onSubmit, type Ctx } from '../context.js';
import { facts, field, h, table, when, words } from '../dom.js';

interface Group {
  id: string;
  displayName: string;
  externalId: string | null;
  roles: string[];
  members: Array<{ id: string; email: string }>;
  version: number;
  createdAt: string;
  updatedAt: string;
}

const PAGE = 50;

/** The body PUT /groups/{id} replaces a group with: everything it holds, with one change. */
const fieldsOf = (g: Group, change: Partial<{ displayName: string; externalId: string | null; roles: string[]; members: string[] }> = {}) => ({
  displayName: g.displayName,
  externalId: g.externalId,
  roles: g.roles,
  members: g.members.map((m) => m.id),
  ...change,
});

/** A write that dual control holds answers 202 with the pending change: say so, not "saved". */
const heldOrDone = (status: number, done: string): string =>
  status === 202 ? 'This change gives a high-risk role: it waits for a second super-admin under Approvals.' : done;

export async function groupsList(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const main = ctx.page('Groups', 'Groups give their members roles; a directory may provision the same groups through SCIM.');
  const q = h('input', { type: 'search', name: 'q', value: params.get('q') ?? '', autocomplete: 'off' });
  const search = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Find groups' }, field('Group name', q), h('button', { type: 'submit' }, 'Find'));
  search.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.go(q.value.trim() ? `#/groups?q=${encodeURIComponent(q.value.trim())}` : '#/groups');
  });
  const n = notice();
  main.append(search);
  if (ctx.can('user-admin')) main.append(h('p', null, h('a', { href: '#/groups/new', class: 'button' }, 'Create a group')));
  main.append(n.el);
  const offset = Number(params.get('offset') ?? 0) || 0;
  try {
    const page = await ctx.api.get<{ items: Group[]; total: number }>('/groups', { q: params.get('q'), offset, limit: PAGE });
    main.append(
      page.body.items.length
        ? table(
            `Groups (${page.body.total})`,
            ['Name', 'Roles it grants', 'Members', 'External id', 'Created'],
            page.body.items.map((g) => [
              h('a', { href: `#/groups/${g.id}` }, g.displayName),
              g.roles.join(', ') || '—',
              String(g.members.length),
              g.externalId ? h('code', null, g.externalId) : '—',
              when(g.createdAt),
            ]),
          )
        : h('p', null, params.get('q') ? 'No group has that name.' : 'No group yet.'),
    );
    if (offset + PAGE < page.body.total) {
      const next = new URLSearchParams(params);
      next.set('offset', String(offset + PAGE));
      main.append(h('p', null, h('a', { href: `#/groups?${next}` }, 'Next page')));
    }
  } catch (err) {
    n.fail(err);
  }
}

export function groupCreate(ctx: Ctx): void {
  const main = ctx.page('Create a group');
  if (!ctx.can('user-admin')) {
    main.append(h('p', null, 'Your roles do not include user-admin: you can read groups but not create them.'));
    return;
  }
  const name = h('input', { type: 'text', name: 'displayName', required: true, autocomplete: 'off' });
  const roles = h('input', { type: 'text', name: 'roles', autocomplete: 'off' });
  const externalId = h('input', { type: 'text', name: 'externalId', autocomplete: 'off' });
  const n = notice();
  const form = h(
    'form',
    { class: 'form', 'aria-label': 'New group' },
    field('Group name', name),
    field('Roles it grants', roles, 'Space-separated, lowercase (for example clinician nurse). Only a super-admin gives a group an admin role.'),
    field('External id', externalId, 'Optional: the id of this group in your directory.'),
    h('button', { type: 'submit' }, 'Create group'),
  );
  onSubmit(form, n, async () => {
    const res = await ctx.api.call<Group>('POST', '/groups', {
      body: { displayName: name.value.trim(), roles: words(roles.value), externalId: externalId.value.trim() || null },
      idempotent: true,
    });
    if (res.status === 202) return heldOrDone(202, '');
    ctx.go(`#/groups/${res.body.id}`);
  });
  main.append(form, n.el);
}

export async function groupDetail(ctx: Ctx, id: string): Promise<void> {
  const main = ctx.page('Group');
  const n = notice();
  main.append(n.el);
  let group: Group;
  let etag: string | null;
  try {
    const res = await ctx.api.get<Group>(`/groups/${encodeURIComponent(id)}`);
    group = res.body;
    etag = res.etag;
  } catch (err) {
    n.fail(err);
    return;
  }
  const path = `/groups/${group.id}`;
  const reload = () => ctx.go(`#/groups/${group.id}`);
  ctx.page(`Group ${group.displayName}`);
  main.append(
    facts([
      ['Name', group.displayName],
      ['Roles it grants', group.roles.join(', ') || '—'],
      ['External id', group.externalId ? h('code', null, group.externalId) : '—'],
      ['Members', String(group.members.length)],
      ['Created', when(group.createdAt)],
      ['Changed', when(group.updatedAt)],
    ]),
  );
  const write = ctx.can('user-admin');
  const mn = notice();
  const rows = group.members.map((m) => {
    const remove = write ? h('button', { type: 'button', class: 'secondary small', 'aria-label': `Remove ${m.email}` }, 'Remove') : null;
    if (remove)
      action(remove, mn, async () => {
        const res = await ctx.api.call('DELETE', `${path}/members/${m.id}`, { ifMatch: etag });
        etag = res.etag;
        remove.closest('tr')?.remove();
        return `${m.email} is no longer a member.`;
      });
    return [h('a', { href: `#/users/${m.id}` }, m.email), remove];
  });
  const members = h(
    'section',
    { 'aria-labelledby': 'members' },
    h('h2', { id: 'members' }, 'Members'),
    rows.length ? table('Members', write ? ['Email', ''] : ['Email'], write ? rows : rows.map((r) => r.slice(0, 1))) : h('p', null, 'No member yet.'),
  );
  main.append(members);
  if (!write) return;

  const email = h('input', { type: 'email', name: 'email', required: true, autocomplete: 'off' });
  const add = h('form', { class: 'toolbar', 'aria-label': 'Add a member' }, field('Email of the person to add', email), h('button', { type: 'submit' }, 'Add member'));
  onSubmit(add, mn, async () => {
    const wanted = email.value.trim().toLowerCase();
    const found = await ctx.api.get<{ items: Array<{ id: string; email: string }> }>('/users', { q: wanted, limit: 10 });
    const user = found.body.items.find((u) => u.email.toLowerCase() === wanted);
    if (!user) throw new Error(`No user has the email ${wanted}.`);
    const res = await ctx.api.call('POST', `${path}/members`, { body: { userId: user.id }, ifMatch: etag });
    if (res.status === 202) return heldOrDone(202, '');
    reload();
  });
  members.append(add, mn.el);

  const name = h('input', { type: 'text', name: 'displayName', value: group.displayName, required: true, autocomplete: 'off' });
  const roles = h('input', { type: 'text', name: 'roles', value: group.roles.join(' '), autocomplete: 'off' });
  const externalId = h('input', { type: 'text', name: 'externalId', value: group.externalId ?? '', autocomplete: 'off' });
  const en = notice();
  const edit = h(
    'form',
    { class: 'form', 'aria-labelledby': 'edit-group' },
    h('h2', { id: 'edit-group' }, 'Name and roles'),
    field('Group name', name),
    field('Roles it grants', roles, 'Space-separated, lowercase. Every member holds them at once.'),
    field('External id', externalId),
    h('button', { type: 'submit' }, 'Save changes'),
    en.el,
  );
  onSubmit(edit, en, async () => {
    const res = await ctx.api.call<Group>('PUT', path, {
      ifMatch: etag,
      body: fieldsOf(group, { displayName: name.value.trim(), roles: words(roles.value), externalId: externalId.value.trim() || null }),
    });
    if (res.status === 202) return heldOrDone(202, '');
    etag = res.etag;
    return 'Saved.';
  });

  const an = notice();
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete group');
  action(remove, an, async () => {
    if (!confirm(`Delete ${group.displayName}? Its members lose the roles it granted at once.`)) return;
    await ctx.api.call('DELETE', path, { ifMatch: etag });
    ctx.go('#/groups');
  });
  main.append(edit, h('section', { 'aria-labelledby': 'group-actions' }, h('h2', { id: 'group-actions' }, 'Actions'), h('div', { class: 'actions' }, remove), an.el));
}
