/**
 * The auto-escaping `html` tagged template (#18): every interpolated value is escaped for
 * element content and quoted attributes unless it is a SafeHtml (built by `html` itself, or
 * by `trusted()` for a vetted fragment). Arrays are rendered item by item and joined;
 * null, undefined and false render as nothing (so `${cond && html`…`}` works). Every page
 * function returns SafeHtml and the reply helpers take only SafeHtml, so a string built by
 * hand cannot reach a browser unescaped by mistake: TypeScript refuses it.
 */
let make: (value: string) => SafeHtml;

export class SafeHtml {
  /** A private member makes the type nominal: a plain string or lookalike object is not a SafeHtml. */
  readonly #html: string;
  private constructor(value: string) {
    this.#html = value;
  }

  static {
    make = (value) => new SafeHtml(value);
  }

  toString(): string {
    return this.#html;
  }
}

/** What `html` accepts: text and numbers are escaped, SafeHtml is kept, arrays are joined. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"'`=]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' })[c]!,
  );
}

function render(value: HtmlValue): string {
  if (value instanceof SafeHtml) return value.toString();
  if (Array.isArray(value)) return value.map((v: HtmlValue) => render(v)).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return make(out);
}

/**
 * A fragment vetted by its author as safe markup (a constant, or markup another library built
 * and escaped, such as oidc-provider's logout form). Rarely right: prefer `html`.
 */
export function trusted(markup: string): SafeHtml {
  return make(markup);
}

/** Items joined by a separator (escaped like any value unless SafeHtml). */
export function join(items: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  return make(items.map(render).join(render(separator)));
}

export interface Brand {
  name: string;
  logoUrl?: string;
  /** SUPPORT_CONTACT: the help desk a stuck person is told to contact (#20). */
  supportContact?: string;
}

/** "Need help?" with the hospital's help desk when one is configured (locked, error and expired pages). */
export function supportLine(brand: Brand): SafeHtml {
  return html`<p class="support">${supportText(brand)}</p>`;
}

/** The help-desk sentence alone, for inside a paragraph of its own. */
export function supportText(brand: Brand): SafeHtml {
  return html`Need help? Contact ${brand.supportContact || 'your organisation’s help desk'}.`;
}

/**
 * The short reference code of this request (its id: also the log line's req.id and the audit
 * records' correlationId), for a person to read out to the help desk.
 */
export function referenceLine(reference: string | undefined): SafeHtml {
  return reference ? html`<p class="muted">Reference code: <code class="ref">${reference}</code></p>` : html``;
}

export interface ConsoleNav {
  /** The section shown, marked aria-current. */
  current: string;
  links: Array<{ href: string; label: string }>;
  /** The person signed in, shown beside the navigation. */
  who?: string;
}

/** The consoles' shell: the sign-in pages' look on a wider card, with a labelled navigation. */
export function consoleLayout(brand: Brand, title: string, nav: ConsoleNav, body: SafeHtml): SafeHtml {
  const links = nav.links.map((l) => html`<li><a href="${l.href}"${l.href === nav.current && html` aria-current="page"`}>${l.label}</a></li>`);
  const who = nav.who && html`<p class="muted who">Signed in as <strong>${nav.who}</strong></p>`;
  return layout(brand, title, html`<nav aria-label="Account"><ul class="nav">${links}</ul></nav>${who}\n${body}`, { wide: true });
}

/**
 * The page shell every sign-in page shares: no inline script or style (the CSP forbids
 * them), one stylesheet from this server, the organisation's name and logo.
 */
export function layout(brand: Brand, title: string, body: SafeHtml, options: { wide?: boolean } = {}): SafeHtml {
  const logo = brand.logoUrl && html`<img class="logo" src="${brand.logoUrl}" alt="" width="48" height="48">`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${title} · ${brand.name}</title>
<link rel="stylesheet" href="/assets/caduceus.css">
</head>
<body>
<main class="card${options.wide && ' wide'}">
<header class="brand">${logo}<span class="product">${brand.name}</span></header>
${body}
</main>
</body>
</html>`;
}

export const STYLESHEET = `:root{color-scheme:light dark;--accent:#0b5cad;--bg:#f4f6f9;--card:#fff;--text:#1b1f24;--muted:#5b6470;--error:#a4161a}
@media (prefers-color-scheme:dark){:root{--bg:#12161c;--card:#1c222b;--text:#e8ecf1;--muted:#a3acb8;--accent:#5aa2f0;--error:#ff8a8a}}
*{box-sizing:border-box}body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.card{width:100%;max-width:26rem;background:var(--card);padding:2rem;border-radius:12px;box-shadow:0 2px 12px rgba(0,0,0,.08)}
.brand{display:flex;align-items:center;gap:.75rem;margin-bottom:1.5rem}.product{font-weight:600;font-size:1.15rem}
h1{font-size:1.4rem;margin:0 0 1rem}p{margin:.5rem 0 1rem}.muted{color:var(--muted);font-size:.9rem}
label{display:block;font-weight:600;margin:1rem 0 .35rem}textarea{width:100%;min-height:6.5rem;padding:.65rem .75rem;font:inherit;border:1px solid #9aa4b1;border-radius:8px;background:transparent;color:inherit;resize:vertical}input{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #9aa4b1;border-radius:8px;background:transparent;color:inherit}
input:focus,button:focus,a:focus-visible,summary:focus-visible,textarea:focus{outline:3px solid var(--accent);outline-offset:2px}
button{margin-top:1.25rem;width:100%;padding:.7rem;font:inherit;font-weight:600;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
.qr{display:block;margin:1rem auto;background:#fff;padding:8px;border-radius:8px}.codes{columns:2;font-size:1.05rem;padding-left:1.2rem}
details{margin-top:1.25rem}a{color:var(--accent)}
.card.wide{max-width:46rem}.nav{list-style:none;display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:0 0 1rem}.nav a{display:inline-block;padding:.35rem 0}.nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
.who{margin-top:0}.list{list-style:none;padding:0;margin:0 0 1rem}.list>li{border:1px solid #9aa4b1;border-radius:8px;padding:.75rem 1rem;margin:.5rem 0}
.list form{display:inline}button.inline{width:auto;margin-top:.5rem;padding:.45rem 1rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.notice{border-left:4px solid var(--accent);padding:.5rem .75rem;margin:0 0 1rem}.support{font-size:.95rem}.ref{font-weight:600;letter-spacing:.05em}
.nowrap{white-space:nowrap}a.button-link{display:inline-block;padding:.6rem 1.2rem;border:1px solid var(--accent);border-radius:8px;font-weight:600;text-decoration:none}summary{cursor:pointer;color:var(--accent)}code{font-family:ui-monospace,Menlo,Consolas,monospace}
.error{color:var(--error);border-left:4px solid var(--error);padding:.5rem .75rem;margin:0 0 1rem;background:rgba(164,22,26,.06)}
.hint{margin:0 0 .35rem}textarea.reason{display:block;min-height:8rem;line-height:1.45}[aria-invalid=true]{border-color:var(--error);border-width:2px}
#totp-secret{font-size:1.05rem;letter-spacing:.04em;word-break:keep-all;overflow-wrap:normal}.scope-name{font-size:.8rem}.scopes li{margin:.25rem 0}
.code-actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;margin:0 0 1rem}.code-actions button.inline{margin-top:0}
.confirm{display:flex;gap:.6rem;align-items:flex-start;margin:1.25rem 0 0}.confirm input{width:auto;margin:.3rem 0 0;flex:none;width:1.15rem;height:1.15rem}.confirm label{margin:0}
input[type=checkbox]:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
@media (max-width:30rem){body{align-items:flex-start}.card{padding:1.25rem;border-radius:0;box-shadow:none}}
@media print{body{background:#fff;color:#000;display:block}.card{box-shadow:none;max-width:none}form,button,nav,.code-actions,.support,.who,.confirm,details,a.button-link{display:none!important}.codes{font-size:1.2rem}}
`;
