import { html, type SafeHtml } from '../ui/index.js';
import type { PostureReport } from './compliance.service.js';

const LABEL = { met: 'Met', attention: 'Attention', not_met: 'Not met' } as const;

/** A printable page of the report: plain semantic HTML, no script, no inline style. */
export function postureReportPage(report: PostureReport): SafeHtml {
  const rows = report.lines
    .map(
      (l) => html`<tr data-line="${l.id}" data-status="${l.status}">
<td>${l.safeguard}<br><small>45 CFR ${l.citation}</small></td>
<td><strong>${LABEL[l.status]}</strong></td>
<td>${l.reason}<details><summary>Evidence</summary><pre>${JSON.stringify(l.evidence, null, 2)}</pre></details></td>
</tr>`,
    );
  return html`<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><title>HIPAA posture report</title></head>
<body>
<h1>HIPAA technical safeguards: posture report</h1>
<p>Issuer ${report.issuer} · generated ${report.generatedAt} · ${report.summary.met} met, ${report.summary.attention} attention, ${report.summary.notMet} not met</p>
<table>
<thead><tr><th scope="col">Safeguard</th><th scope="col">Status</th><th scope="col">Why</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>`;
}
