import { action, notice, once, onSubmit, type Ctx } from '../context.js';
import { badge, checkbox, facts, field, h, select, table, when, words } from '../dom.js';

interface Idp {
  id: string;
  displayName: string;
  issuer: string;
  discoveryUrl: string | null;
  clientId: string;
  clientAuth: string;
  hasClientSecret: boolean;
  hasPrivateJwk: boolean;
  scopes: string[];
  allowedDomains: string[];
  groupsClaim: string;
  roleMapping: Record<string, string[]>;
  trustUpstreamMfa: boolean;
  allowLinking: boolean;
  useUserinfo: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export async function identityProvidersScreen(ctx: Ctx): Promise<void> {
  const main = ctx.page('Identity providers', 'Upstream OpenID providers people may sign in with (federation).');
  const n = notice();
  if (ctx.can('super-admin')) main.append(h('p', null, h('a', { href: '#/identity-providers/new', class: 'button' }, 'Add an identity provider')));
  main.append(n.el);
  try {
    const r = await ctx.api.get<{ items: Idp[] }>('/identity-providers');
    main.append(
      r.body.items.length
        ? table(
            'Identity providers',
            ['Name', 'Id', 'Issuer', 'Upstream MFA', 'State'],
            r.body.items.map((p) => [
              h('a', { href: `#/identity-providers/${encodeURIComponent(p.id)}` }, p.displayName),
              h('code', null, p.id),
              h('code', null, p.issuer),
              p.trustUpstreamMfa ? 'trusted' : 'asked here',
              badge(p.enabled ? 'enabled' : 'disabled'),
            ]),
          )
        : h('p', null, 'No identity provider: people sign in with a password and a second factor here.'),
    );
  } catch (err) {
    n.fail(err);
  }
}

/** Role mapping as lines "upstream-group = role role". */
const mappingText = (m: Record<string, string[]>) => Object.entries(m).map(([k, v]) => `${k} = ${v.join(' ')}`).join('\n');
function parseMapping(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`Role mapping: "${line}" is not "upstream group = role role".`);
    out[line.slice(0, eq).trim()] = words(line.slice(eq + 1));
  }
  return out;
}

/** The form of an IdP: every field but the id and credentials is the same for add and edit. */
function idpForm(existing: Idp | null) {
  const v = (x: string | null | undefined) => x ?? '';
  const inputs = {
    id: h('input', { type: 'text', name: 'id', required: true, autocomplete: 'off', pattern: '[a-z0-9][a-z0-9\\-]{0,62}' }),
    displayName: h('input', { type: 'text', name: 'displayName', required: true, autocomplete: 'off', value: v(existing?.displayName) }),
    issuer: h('input', { type: 'url', name: 'issuer', required: true, autocomplete: 'off', value: v(existing?.issuer) }),
    discoveryUrl: h('input', { type: 'url', name: 'discoveryUrl', autocomplete: 'off', value: v(existing?.discoveryUrl) }),
    clientId: h('input', { type: 'text', name: 'clientId', required: true, autocomplete: 'off', value: v(existing?.clientId) }),
    clientAuth: select(
      [['client_secret_basic', 'Client secret (HTTP Basic)'], ['client_secret_post', 'Client secret (form post)']],
      existing?.clientAuth === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
      { name: 'clientAuth' },
    ),
    clientSecret: h('input', { type: 'password', name: 'clientSecret', autocomplete: 'new-password', required: !existing }),
    scopes: h('input', { type: 'text', name: 'scopes', autocomplete: 'off', value: (existing?.scopes ?? ['openid', 'email', 'profile']).join(' ') }),
    allowedDomains: h('input', { type: 'text', name: 'allowedDomains', autocomplete: 'off', value: (existing?.allowedDomains ?? []).join(' ') }),
    groupsClaim: h('input', { type: 'text', name: 'groupsClaim', autocomplete: 'off', value: existing?.groupsClaim ?? 'groups' }),
    roleMapping: h('textarea', { name: 'roleMapping', rows: 3 }),
    trustUpstreamMfa: h('input', { type: 'checkbox', name: 'trustUpstreamMfa', checked: existing?.trustUpstreamMfa ?? false }),
    allowLinking: h('input', { type: 'checkbox', name: 'allowLinking', checked: existing?.allowLinking ?? false }),
    enabled: h('input', { type: 'checkbox', name: 'enabled', checked: existing?.enabled ?? true }),
  };
  inputs.roleMapping.value = mappingText(existing?.roleMapping ?? {});
  const children = [
    existing ? null : field('Id', inputs.id, 'A lowercase slug (a-z, 0-9, -), part of the sign-in URL; it cannot change later.'),
    field('Name people see', inputs.displayName),
    field('Issuer', inputs.issuer, 'The upstream provider’s issuer URL.'),
    field('Discovery URL', inputs.discoveryUrl, 'Optional: by default the issuer’s /.well-known/openid-configuration.'),
    field('Client id', inputs.clientId, 'The id this service has at the upstream provider.'),
    field('Client authentication', inputs.clientAuth),
    field('Client secret', inputs.clientSecret, existing ? (existing.hasClientSecret ? 'Stored sealed and never shown. Leave empty to keep it.' : 'None stored.') : 'Stored sealed and never shown again.'),
    field('Scopes', inputs.scopes, 'Space-separated; must include openid.'),
    field('Allowed email domains', inputs.allowedDomains, 'Space-separated (for example hospital.org); empty allows any.'),
    field('Groups claim', inputs.groupsClaim),
    field('Role mapping', inputs.roleMapping, 'One line per upstream group: "group = role role".'),
    checkbox('Trust the upstream provider’s second factor', inputs.trustUpstreamMfa, 'Only when it enforces MFA itself; otherwise people verify here too.'),
    checkbox('Link to an existing user with the same verified email', inputs.allowLinking),
    checkbox('Enabled: offered on the sign-in page', inputs.enabled),
  ];
  const body = (): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      displayName: inputs.displayName.value.trim(),
      issuer: inputs.issuer.value.trim(),
      discoveryUrl: inputs.discoveryUrl.value.trim() || null,
      clientId: inputs.clientId.value.trim(),
      clientAuth: inputs.clientAuth.value,
      scopes: words(inputs.scopes.value),
      allowedDomains: words(inputs.allowedDomains.value),
      groupsClaim: inputs.groupsClaim.value.trim() || 'groups',
      roleMapping: parseMapping(inputs.roleMapping.value),
      trustUpstreamMfa: inputs.trustUpstreamMfa.checked,
      allowLinking: inputs.allowLinking.checked,
      enabled: inputs.enabled.checked,
    };
    if (!existing) out.id = inputs.id.value.trim();
    if (inputs.clientSecret.value) out.clientSecret = inputs.clientSecret.value;
    return out;
  };
  return { children, body };
}

export function identityProviderCreate(ctx: Ctx): void {
  const main = ctx.page('Add an identity provider');
  if (!ctx.can('super-admin')) {
    main.append(h('p', null, 'Only a super-admin adds identity providers: an upstream provider decides who may become which user.'));
    return;
  }
  const f = idpForm(null);
  const n = notice();
  const form = h('form', { class: 'form', 'aria-label': 'New identity provider' }, ...f.children, h('button', { type: 'submit' }, 'Add identity provider'));
  onSubmit(form, n, async () => {
    const res = await ctx.api.call<Idp>('POST', '/identity-providers', { body: f.body(), idempotent: true });
    ctx.go(`#/identity-providers/${encodeURIComponent(res.body.id)}`);
  });
  main.append(form, n.el);
}

export async function identityProviderDetail(ctx: Ctx, id: string): Promise<void> {
  const main = ctx.page('Identity provider');
  const n = notice();
  main.append(n.el);
  let idp: Idp;
  let etag: string | null;
  try {
    const res = await ctx.api.get<Idp>(`/identity-providers/${encodeURIComponent(id)}`);
    idp = res.body;
    etag = res.etag;
  } catch (err) {
    n.fail(err);
    return;
  }
  const path = `/identity-providers/${encodeURIComponent(idp.id)}`;
  ctx.page(`Identity provider ${idp.displayName}`);
  main.append(
    facts([
      ['Id', h('code', null, idp.id)],
      ['Issuer', h('code', null, idp.issuer)],
      ['Client id', h('code', null, idp.clientId)],
      ['Client authentication', idp.clientAuth],
      ['Credential', idp.hasClientSecret ? 'client secret stored (sealed)' : idp.hasPrivateJwk ? 'private key stored (sealed)' : 'none'],
      ['Scopes', idp.scopes.join(' ')],
      ['Allowed domains', idp.allowedDomains.join(' ') || 'any'],
      ['Role mapping', mappingText(idp.roleMapping) || '—'],
      ['Upstream MFA', idp.trustUpstreamMfa ? 'trusted' : 'asked here'],
      ['Linking by email', idp.allowLinking ? 'allowed' : 'not allowed'],
      ['State', badge(idp.enabled ? 'enabled' : 'disabled')],
      ['Changed', when(idp.updatedAt)],
    ]),
  );
  if (!ctx.can('super-admin')) return;
  const f = idpForm(idp);
  const en = notice();
  const edit = h('form', { class: 'form', 'aria-labelledby': 'edit-idp' }, h('h2', { id: 'edit-idp' }, 'Settings'), ...f.children, h('button', { type: 'submit' }, 'Save changes'), en.el);
  onSubmit(edit, en, async () => {
    const res = await ctx.api.call<Idp>('PATCH', path, { ifMatch: etag, body: f.body() });
    etag = res.etag;
    return 'Saved.';
  });
  const an = notice();
  const remove = h('button', { type: 'button', class: 'danger' }, 'Remove identity provider');
  action(remove, an, async () => {
    if (!confirm(`Remove ${idp.displayName}? People can no longer sign in with it; their local accounts stay.`)) return;
    await ctx.api.call('DELETE', path, { ifMatch: etag });
    ctx.go('#/identity-providers');
  });
  main.append(edit, h('section', { 'aria-labelledby': 'idp-actions' }, h('h2', { id: 'idp-actions' }, 'Actions'), h('div', { class: 'actions' }, remove), an.el));
}

interface Webhook {
  id: string;
  url: string;
  eventTypes: string[];
  description: string | null;
  enabled: boolean;
  createdAt: string;
  secret?: string;
}

const EVENT_TYPES: Array<[string, string]> = [
  ['user.locked', 'A user is locked out'],
  ['mfa.reset', 'Second factors are reset'],
  ['keys.revoked', 'A signing key is revoked'],
  ['breakglass.started', 'Emergency access starts'],
  ['audit.verified', 'The audit chain is verified'],
];

/** The event checkboxes of a webhook form, checked as `chosen` (all when not given). */
function eventBoxes(chosen?: string[]) {
  return EVENT_TYPES.map(([value, label]) => ({ value, label, input: h('input', { type: 'checkbox', name: 'eventTypes', value, checked: chosen ? chosen.includes(value) : true }) }));
}
const eventsFieldset = (boxes: ReturnType<typeof eventBoxes>) =>
  h('fieldset', null, h('legend', null, 'Events it receives'), h('div', { class: 'checks' }, ...boxes.map((b) => checkbox(`${b.label} (${b.value})`, b.input))));
const checkedEvents = (boxes: ReturnType<typeof eventBoxes>) => boxes.filter((b) => b.input.checked).map((b) => b.value);

/** Security webhooks: super-admin only (the API allows no other role to read them either). */
export async function webhooksScreen(ctx: Ctx): Promise<void> {
  const main = ctx.page('Security webhooks', 'Where security events (lock-outs, MFA resets, key revocations, emergency access) are sent.');
  const n = notice();
  const list = h('div');
  const editArea = h('div');
  const write = ctx.can('super-admin');
  main.append(n.el, list, editArea);
  const showList = async () => {
    try {
      const r = await ctx.api.get<{ items: Webhook[] }>('/webhooks');
      const rows = r.body.items.map((w) => {
        const cells = [h('code', null, w.url), w.eventTypes.join(', '), w.description ?? '—', badge(w.enabled ? 'enabled' : 'disabled'), when(w.createdAt)];
        if (!write) return cells;
        const edit = h('button', { type: 'button', class: 'secondary small', 'aria-label': `Edit the webhook to ${w.url}` }, 'Edit');
        action(edit, n, async () => editForm(w.id));
        const remove = h('button', { type: 'button', class: 'danger small', 'aria-label': `Remove the webhook to ${w.url}` }, 'Remove');
        action(remove, n, async () => {
          if (!confirm(`Stop sending security events to ${w.url}? Its pending deliveries are dropped.`)) return;
          await ctx.api.call('DELETE', `/webhooks/${w.id}`);
          remove.closest('tr')?.remove();
          editArea.replaceChildren();
          return `Removed the webhook to ${w.url}.`;
        });
        return [...cells, h('div', { class: 'actions' }, edit, remove)];
      });
      const heads = ['URL', 'Events', 'Description', 'State', 'Created', ...(write ? [''] : [])];
      list.replaceChildren(rows.length ? table('Webhooks', heads, rows) : h('p', null, 'No webhook: nobody outside this service is alerted of security events.'));
    } catch (err) {
      n.fail(err);
    }
  };

  /** The edit form of one webhook, read fresh so that its ETag goes with the change (If-Match). */
  const editForm = async (id: string) => {
    const res = await ctx.api.get<Webhook>(`/webhooks/${id}`);
    let etag = res.etag;
    const w = res.body;
    const url = h('input', { type: 'url', name: 'url', required: true, autocomplete: 'off', value: w.url });
    const boxes = eventBoxes(w.eventTypes);
    const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: w.enabled });
    const description = h('input', { type: 'text', name: 'description', autocomplete: 'off', maxlength: 200, value: w.description ?? '' });
    const en = notice();
    const form = h(
      'form',
      { class: 'form', 'aria-labelledby': 'edit-webhook' },
      h('h2', { id: 'edit-webhook' }, 'Edit webhook'),
      field('Endpoint URL', url, 'https only; the signing secret stays the same.'),
      eventsFieldset(boxes),
      checkbox('Enabled (sends events)', enabled),
      field('Description', description, 'Optional: who runs the endpoint.'),
      h('button', { type: 'submit' }, 'Save webhook'),
      en.el,
    );
    onSubmit(form, en, async () => {
      const saved = await ctx.api.call<Webhook>('PATCH', `/webhooks/${id}`, {
        ifMatch: etag,
        body: { url: url.value.trim(), eventTypes: checkedEvents(boxes), enabled: enabled.checked, description: description.value.trim() || null },
      });
      etag = saved.etag;
      await showList();
      return 'Saved.';
    });
    const rn = notice();
    const rotate = h('button', { type: 'button', class: 'secondary' }, 'New signing secret');
    action(rotate, rn, async () => {
      if (!confirm('Replace the signing secret? The receiver must be given the new one: the old one stops signing at once.')) return;
      const rotated = await ctx.api.call<Webhook>('POST', `/webhooks/${id}/secret`, { ifMatch: etag });
      etag = rotated.etag;
      return rotated.body.secret ? once('Signing secret', rotated.body.secret) : null;
    });
    editArea.replaceChildren(form, h('section', { 'aria-label': 'Signing secret' }, h('div', { class: 'actions' }, rotate), rn.el));
    url.focus();
  };

  await showList();
  if (!write) return;
  const url = h('input', { type: 'url', name: 'url', required: true, autocomplete: 'off', placeholder: 'https://siem.hospital.test/caduceus' });
  const boxes = eventBoxes();
  const description = h('input', { type: 'text', name: 'description', autocomplete: 'off', maxlength: 200 });
  const cn = notice();
  const form = h(
    'form',
    { class: 'form', 'aria-labelledby': 'new-webhook' },
    h('h2', { id: 'new-webhook' }, 'Add a webhook'),
    field('Endpoint URL', url, 'https only; it receives signed JSON posts.'),
    eventsFieldset(boxes),
    field('Description', description, 'Optional: who runs the endpoint.'),
    h('button', { type: 'submit' }, 'Add webhook'),
    cn.el,
  );
  onSubmit(form, cn, async () => {
    const res = await ctx.api.call<Webhook>('POST', '/webhooks', {
      body: { url: url.value.trim(), eventTypes: checkedEvents(boxes), ...(description.value.trim() ? { description: description.value.trim() } : {}) },
    });
    form.reset();
    await showList();
    return h('span', null, 'Added the webhook to ', h('code', null, res.body.url), '.', res.body.secret ? once('Signing secret', res.body.secret) : null);
  });
  main.append(form);
}
