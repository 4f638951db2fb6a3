const escape = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The page shown when an authorization request cannot be redirected back: no stack, no internals. */
export function renderErrorPage(out: { error?: unknown; error_description?: unknown }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign-in error</title></head>
<body>
<main>
<h1>Something went wrong</h1>
<p>The application that sent you here made a request we cannot complete.</p>
<p><strong>${escape(out.error)}</strong>${out.error_description ? `: ${escape(out.error_description)}` : ''}</p>
<p>Return to the application and try again. If it happens again, contact your help desk.</p>
</main>
</body>
</html>`;
}
