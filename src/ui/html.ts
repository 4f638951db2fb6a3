/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(
    /[&<>"'`=]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;', '=': '&#61;' })[c]!,
  );
}

export interface Brand {
  name: string;
  logoUrl?: string;
}

/**
 * The page shell every sign-in page shares: no inline script or style (the CSP forbids
 * them), one stylesheet from this server, the organisation's name and logo.
 */
export function layout(brand: Brand, title: string, body: string): string {
  const logo = brand.logoUrl ? `<img class="logo" src="${escapeHtml(brand.logoUrl)}" alt="" width="48" height="48">` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(brand.name)}</title>
<link rel="stylesheet" href="/assets/caduceus.css">
</head>
<body>
<main class="card">
<header class="brand">${logo}<span class="product">${escapeHtml(brand.name)}</span></header>
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
label{display:block;font-weight:600;margin:1rem 0 .35rem}input{width:100%;padding:.65rem .75rem;font:inherit;border:1px solid #9aa4b1;border-radius:8px;background:transparent;color:inherit}
input:focus,button:focus{outline:3px solid var(--accent);outline-offset:2px}
button{margin-top:1.25rem;width:100%;padding:.7rem;font:inherit;font-weight:600;border:0;border-radius:8px;background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--accent);border:1px solid var(--accent)}
.qr{display:block;margin:1rem auto;background:#fff;padding:8px;border-radius:8px}.codes{columns:2;font-size:1.05rem;padding-left:1.2rem}
details{margin-top:1.25rem}summary{cursor:pointer;color:var(--accent)}code{font-family:ui-monospace,Menlo,Consolas,monospace}
.error{color:var(--error);border-left:4px solid var(--error);padding:.5rem .75rem;margin:0 0 1rem;background:rgba(164,22,26,.06)}
`;
