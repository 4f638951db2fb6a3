import type { Page } from '../api.js';
import { action, notice, onSubmit, type Ctx } from '../context.js';
import { badge, checkbox, facts, field, h, select, table, when } from '../dom.js';

interface Key {
  kid: string;
  alg: string;
  state: 'next' | 'active' | 'retired' | 'removed' | 'revoked';
  source: string;
  published: boolean;
  createdAt: string;
  activatedAt: string | null;
  rotationDueAt: string | null;
  retiredAt: string | null;
  publishedUntil: string | null;
  removedAt: string | null;
  revokedAt: string | null;
  revocationReason: string | null;
}

interface Schedule {
  rotationIntervalSeconds: number;
  prePublicationWindowSeconds: number;
  jwksMaxAgeSeconds: number;
  source: string;
  updatedAt: string | null;
  updatedBy: string | null;
}

const days = (s: number) => `${Math.round((s / 86400) * 10) / 10} days`;

export async function keysScreen(ctx: Ctx): Promise<void> {
  const main = ctx.page(
    'Signing keys',
    'Keys that sign ID tokens and JWT access tokens. A new key is published (next) before it signs (active); a retired key stays published until tokens it signed have expired.',
  );
  const n = notice();
  main.append(n.el);
  const write = ctx.can('key-admin');
  try {
    const [keys, schedule] = await Promise.all([ctx.api.get<Page<Key>>('/keys', { limit: 200 }), ctx.api.get<Schedule>('/keys/schedule')]);
    const rows = keys.body.items.map((k) => {
      let revoke: HTMLElement | null = null;
      if (write && (k.state === 'active' || k.state === 'next' || k.state === 'retired')) {
        const reason = h('input', { type: 'text', name: 'reason', required: true, 'aria-label': `Reason to revoke ${k.kid}`, placeholder: 'reason' });
        const button = h('button', { type: 'submit', class: 'danger small' }, 'Revoke');
        const form = h('form', { class: 'inline' }, reason, button);
        onSubmit(form, n, async () => {
          if (!confirm(`Revoke key ${k.kid}? Tokens it signed stop verifying at once.`)) return;
          await ctx.api.call('POST', `/keys/${encodeURIComponent(k.kid)}/revoke`, { body: { reason: reason.value.trim() } });
          ctx.go('#/keys');
        });
        revoke = form;
      }
      return [
        h('code', { title: k.kid }, `${k.kid.slice(0, 16)}…`),
        k.alg,
        badge(k.state),
        k.published ? 'yes' : 'no',
        when(k.createdAt),
        when(k.activatedAt),
        k.state === 'active' ? when(k.rotationDueAt) : k.state === 'retired' ? `retired ${when(k.retiredAt)}` : k.revokedAt ? `revoked: ${k.revocationReason ?? ''}` : '—',
        revoke,
      ];
    });
    main.append(table('Keys, newest first', ['Key id', 'Algorithm', 'State', 'In /jwks', 'Created', 'Activated', 'Rotation due / ended', write ? 'Revoke' : ''], rows));

    const s = schedule.body;
    const section = h(
      'section',
      { 'aria-labelledby': 'schedule' },
      h('h2', { id: 'schedule' }, 'Rotation schedule'),
      facts([
        ['Rotate every', days(s.rotationIntervalSeconds)],
        ['Publish ahead by', days(s.prePublicationWindowSeconds)],
        ['/jwks cache max-age', `${s.jwksMaxAgeSeconds} s`],
        ['Set by', s.source === 'admin' ? `${s.updatedBy ?? 'an administrator'}, ${when(s.updatedAt)}` : 'environment'],
      ]),
    );
    main.append(section);
    if (!write) return;
    const interval = h('input', { type: 'number', name: 'rotationDays', min: 1, max: 365, value: Math.round(s.rotationIntervalSeconds / 86400), inputmode: 'numeric' });
    const window = h('input', { type: 'number', name: 'prePublicationHours', min: 1, max: 2160, value: Math.round(s.prePublicationWindowSeconds / 3600), inputmode: 'numeric' });
    const sn = notice();
    const scheduleForm = h('form', { class: 'form' }, h('div', { class: 'row' }, field('Rotate every (days)', interval), field('Publish ahead by (hours)', window)), h('button', { type: 'submit' }, 'Save schedule'), sn.el);
    onSubmit(scheduleForm, sn, async () => {
      await ctx.api.call('PUT', '/keys/schedule', {
        body: { rotationIntervalSeconds: Number(interval.value) * 86400, prePublicationWindowSeconds: Number(window.value) * 3600 },
      });
      return 'Schedule saved.';
    });
    section.append(scheduleForm);

    const alg = select([['ES256', 'ES256'], ['PS256', 'PS256'], ['RS256', 'RS256'], ['EdDSA', 'EdDSA']], 'ES256', { name: 'alg' });
    const immediate = h('input', { name: 'immediate' });
    const rn = notice();
    const rotate = h('button', { type: 'button' }, 'Rotate now');
    action(rotate, rn, async () => {
      const res = await ctx.api.call<Key | { key?: Key }>('POST', '/keys/rotate', { body: { alg: alg.value, immediate: immediate.checked } });
      const k = ('kid' in res.body ? res.body : res.body.key) as Key | undefined;
      setTimeout(() => ctx.go('#/keys'), 0);
      return `Rotated: new ${alg.value} key ${k?.kid ?? ''} ${immediate.checked ? 'signs now' : 'is published and signs after the window'}.`;
    });
    main.append(
      h(
        'section',
        { 'aria-labelledby': 'rotate' },
        h('h2', { id: 'rotate' }, 'Rotate'),
        h('div', { class: 'row' }, field('Algorithm', alg), checkbox('Sign with the new key at once (skip the publication window)', immediate)),
        rotate,
        rn.el,
      ),
    );
  } catch (err) {
    n.fail(err);
  }
}
