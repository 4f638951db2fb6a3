import type { Page } from '../api.js';
import { action, notice, type Ctx } from '../context.js';
import { field, h, select, table, when } from '../dom.js';

interface AuditEvent {
  seq: number;
  recordedAt: string;
  eventType: string;
  outcome: string;
  actor: { type: string; id: string } | null;
  subject: { type: string; id: string } | null;
  clientId: string | null;
  ip: string | null;
  details: Record<string, unknown>;
}

const FILTERS = ['type', 'actor', 'subject', 'client', 'outcome', 'from', 'to'] as const;

export async function auditScreen(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const main = ctx.page('Audit trail', 'Every security decision, hash-chained. Search it, verify the chain, export it.');
  const inputs = {
    type: h('input', { type: 'text', name: 'type', value: params.get('type') ?? '', autocomplete: 'off', placeholder: 'user.created' }),
    actor: h('input', { type: 'text', name: 'actor', value: params.get('actor') ?? '', autocomplete: 'off' }),
    subject: h('input', { type: 'text', name: 'subject', value: params.get('subject') ?? '', autocomplete: 'off' }),
    client: h('input', { type: 'text', name: 'client', value: params.get('client') ?? '', autocomplete: 'off' }),
    outcome: select([['', 'Any'], ['success', 'Success'], ['failure', 'Failure']], params.get('outcome') ?? '', { name: 'outcome' }),
    from: h('input', { type: 'datetime-local', name: 'from', value: params.get('from') ?? '' }),
    to: h('input', { type: 'datetime-local', name: 'to', value: params.get('to') ?? '' }),
  };
  const query = (): Record<string, string> => {
    const q: Record<string, string> = {};
    for (const k of FILTERS) {
      const v = inputs[k].value.trim();
      if (v) q[k] = k === 'from' || k === 'to' ? new Date(v).toISOString() : v;
    }
    return q;
  };
  const form = h(
    'form',
    { class: 'toolbar wrap', role: 'search', 'aria-label': 'Search the audit trail' },
    field('Event type', inputs.type),
    field('Actor id', inputs.actor),
    field('Subject id', inputs.subject),
    field('Client id', inputs.client),
    field('Outcome', inputs.outcome),
    field('From', inputs.from),
    field('To', inputs.to),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const k of FILTERS) if (inputs[k].value.trim()) next.set(k, inputs[k].value.trim());
    ctx.go(`#/audit?${next}`);
  });
  const tools = notice();
  const verify = h('button', { type: 'button', class: 'secondary' }, 'Verify the chain');
  action(verify, tools, async () => {
    const r = await ctx.api.get<{ ok: boolean; recordsChecked: number; fromSeq: number; toSeq: number; firstBroken: unknown }>('/audit/verify');
    return r.body.ok
      ? `Intact: ${r.body.recordsChecked} records checked (sequence ${r.body.fromSeq} to ${r.body.toSeq}).`
      : `BROKEN at ${JSON.stringify(r.body.firstBroken)}: report this to your security officer.`;
  });
  const format = select([['ndjson', 'NDJSON'], ['csv', 'CSV'], ['fhir', 'FHIR AuditEvent bundle']], 'ndjson', { name: 'format' });
  const exportButton = h('button', { type: 'button', class: 'secondary' }, 'Export');
  action(exportButton, tools, async () => {
    const res = await ctx.api.raw('GET', '/audit/export', { query: { ...query(), format: format.value } });
    const name = /filename="?([^";]+)"?/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `audit.${format.value}`;
    const url = URL.createObjectURL(await res.blob());
    const a = h('a', { href: url, download: name }, name);
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    return `Exported ${name}.`;
  });
  main.append(form, h('div', { class: 'actions' }, verify, field('Export format', format), exportButton), tools.el);
  const n = notice();
  main.append(n.el);
  try {
    const page = await ctx.api.get<Page<AuditEvent>>('/audit/events', { ...Object.fromEntries(params), limit: 50 });
    main.append(
      table(
        'Events, newest first',
        ['#', 'Recorded', 'Event', 'Outcome', 'Actor', 'Subject', 'Client', 'Address'],
        page.body.items.map((e) => [
          e.seq,
          when(e.recordedAt),
          h('code', null, e.eventType),
          e.outcome,
          e.actor ? `${e.actor.type} ${e.actor.id}` : '—',
          e.subject ? `${e.subject.type} ${e.subject.id}` : '—',
          e.clientId ?? '—',
          e.ip ?? '—',
        ]),
      ),
    );
    if (page.body.nextCursor) {
      const next = new URLSearchParams(params);
      next.set('cursor', page.body.nextCursor);
      main.append(h('p', null, h('a', { href: `#/audit?${next}` }, 'Older events')));
    }
  } catch (err) {
    n.fail(err);
  }
}
