import { action, notice, onSubmit, type Ctx } from '../context.js';
import { badge, facts, field, h, table, when } from '../dom.js';

interface ReportLine {
  id: string;
  safeguard: string;
  citation: string;
  status: 'met' | 'attention' | 'not-met' | string;
  reason: string;
}

export async function postureScreen(ctx: Ctx): Promise<void> {
  const main = ctx.page('HIPAA posture', 'How this deployment meets the HIPAA Security Rule technical safeguards, from live state.');
  const n = notice();
  main.append(n.el);
  try {
    const r = await ctx.api.get<{ generatedAt: string; summary: { met: number; attention: number; notMet: number }; lines: ReportLine[] }>('/compliance/report');
    main.append(
      facts([
        ['Generated', when(r.body.generatedAt)],
        ['Met', String(r.body.summary.met)],
        ['Needs attention', String(r.body.summary.attention)],
        ['Not met', String(r.body.summary.notMet)],
      ]),
      table('Safeguards', ['Safeguard', 'Citation', 'Status', 'Why'], r.body.lines.map((l) => [l.safeguard, h('code', null, l.citation), badge(l.status), l.reason])),
    );
  } catch (err) {
    n.fail(err);
  }
}

interface Emergency {
  id: string;
  userId: string;
  email: string;
  justification: string;
  factor: string;
  startedAt: string;
  expiresAt: string;
  active: boolean;
  tokensIssued: number;
  review: { reviewedAt: string; reviewedBy: string; note: string } | null;
}

export async function breakGlassScreen(ctx: Ctx, params: URLSearchParams): Promise<void> {
  const main = ctx.page('Break-glass review', 'Emergency access sessions wait here until a super-admin reviews them.');
  const all = params.get('status') === 'all';
  main.append(h('p', null, h('a', { href: all ? '#/break-glass' : '#/break-glass?status=all' }, all ? 'Show only the review queue' : 'Show reviewed sessions too')));
  const n = notice();
  main.append(n.el);
  try {
    const r = await ctx.api.get<{ items: Emergency[] }>('/break-glass', { status: all ? 'all' : 'unreviewed', limit: 100 });
    if (!r.body.items.length) {
      main.append(h('p', null, all ? 'No emergency session yet.' : 'The queue is empty: every emergency session is reviewed.'));
      return;
    }
    for (const s of r.body.items) {
      const section = h(
        'section',
        { class: 'card', 'aria-label': `Emergency session of ${s.email}` },
        h('h2', null, `${s.email}, ${when(s.startedAt)}`),
        facts([
          ['Reason given', s.justification],
          ['Second factor', s.factor],
          ['State', badge(s.active ? 'active' : 'ended')],
          ['Ends', when(s.expiresAt)],
          ['Tokens issued', String(s.tokensIssued)],
          ['Review', s.review ? `${s.review.reviewedBy}, ${when(s.review.reviewedAt)}: ${s.review.note}` : 'not reviewed'],
        ]),
      );
      if (ctx.can('super-admin')) {
        const sn = notice();
        if (s.active) {
          const end = h('button', { type: 'button', class: 'danger' }, 'End now');
          action(end, sn, async () => {
            await ctx.api.call('POST', `/break-glass/${s.id}/end`);
            ctx.go(location.hash);
          });
          section.append(end);
        }
        if (!s.review) {
          const note = h('textarea', { name: 'note', rows: 2, required: true, minlength: 3 });
          const form = h('form', { class: 'form' }, field('Review note', note, 'What you checked and concluded.'), h('button', { type: 'submit' }, 'Mark reviewed'));
          onSubmit(form, sn, async () => {
            await ctx.api.call('POST', `/break-glass/${s.id}/review`, { body: { note: note.value.trim() } });
            ctx.go(location.hash);
          });
          section.append(form);
        }
        section.append(sn.el);
      }
      main.append(section);
    }
  } catch (err) {
    n.fail(err);
  }
}

export async function approvalsScreen(ctx: Ctx): Promise<void> {
  const main = ctx.page('Approvals', 'High-risk changes waiting for a second super-admin.');
  const n = notice();
  main.append(n.el);
  try {
    const r = await ctx.api.get<{ items: Array<Record<string, unknown>> }>('/approvals');
    main.append(
      r.body.items.length
        ? table('Pending approvals', ['Id', 'Action', 'Requested by', 'Requested'], r.body.items.map((a) => [h('code', null, String(a.id)), String(a.action ?? a.kind ?? ''), String((a.requestedBy as { id?: string })?.id ?? a.requestedBy ?? ''), when(a.createdAt as string)]))
        : h('p', null, 'Nothing is waiting for approval.'),
    );
  } catch (err) {
    n.fail(err);
  }
}
