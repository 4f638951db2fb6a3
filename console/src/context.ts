import type { AdminApi } from './api.js';
import { ApiError } from './api.js';
import { h, type Child } from './dom.js';

export type Role = 'super-admin' | 'user-admin' | 'client-admin' | 'key-admin' | 'auditor';

/** What every screen gets: the API client, the person's live roles (from /whoami) and page helpers. */
export interface Ctx {
  api: AdminApi;
  roles: readonly Role[];
  me: { id: string; kind: string };
  /** Whether the person may do what a route needs; the API decides again on every call. */
  can(...roles: Role[]): boolean;
  /** Sets the page title and heading, and returns the screen's main area. */
  page(title: string, ...intro: Child[]): HTMLElement;
  go(hash: string): void;
}

/** A status line for results and errors, announced to screen readers. */
export function notice(): { el: HTMLElement; ok(text: Child): void; fail(err: unknown): void; clear(): void } {
  const el = h('div', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    ok(text) {
      el.className = 'notice notice-ok';
      el.replaceChildren(h('p', null, text));
    },
    fail(err) {
      el.className = 'notice notice-error';
      el.replaceChildren(...problemText(err));
    },
    clear() {
      el.className = 'notice';
      el.replaceChildren();
    },
  };
}

export function problemText(err: unknown): HTMLElement[] {
  if (err instanceof ApiError) {
    const p = err.problem;
    const head = h('p', null, h('strong', null, `${p.title} (${p.status})`), p.detail ? `: ${p.detail}` : '');
    const list = p.errors?.length ? h('ul', null, ...p.errors.map((e) => h('li', null, h('code', null, e.field), ` ${e.message}`))) : null;
    return list ? [head, list] : [head];
  }
  return [h('p', null, err instanceof Error ? err.message : String(err))];
}

/** Runs an action behind a button: disabled while it runs, result or problem in the notice. */
export function action(button: HTMLButtonElement, n: ReturnType<typeof notice>, run: () => Promise<Child | void>): void {
  button.addEventListener('click', async (event) => {
    event.preventDefault();
    button.disabled = true;
    n.clear();
    try {
      const result = await run();
      if (result) n.ok(result);
    } catch (err) {
      n.fail(err);
    } finally {
      button.disabled = false;
    }
  });
}

/** A form whose submit runs an async handler, with the same notice behaviour. */
export function onSubmit(form: HTMLFormElement, n: ReturnType<typeof notice>, run: () => Promise<Child | void>): void {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const submit = form.querySelector<HTMLButtonElement>('button[type=submit]');
    if (submit) submit.disabled = true;
    n.clear();
    try {
      const result = await run();
      if (result) n.ok(result);
    } catch (err) {
      n.fail(err);
    } finally {
      if (submit) submit.disabled = false;
    }
  });
}

/** A value shown once (a secret, a link) with a copy button. */
export function once(label: string, value: string): HTMLElement {
  const code = h('code', { class: 'secret' }, value);
  const copy = h('button', { type: 'button', class: 'secondary small' }, 'Copy');
  copy.addEventListener('click', () => {
    void navigator.clipboard?.writeText(value).then(() => (copy.textContent = 'Copied'));
  });
  return h('div', { class: 'once' }, h('p', null, h('strong', null, label), ' (shown once: keep it now)'), h('div', { class: 'once-value' }, code, copy));
}
