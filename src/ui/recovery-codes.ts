import { html, type SafeHtml } from './html.js';

/**
 * Recovery codes, shown once: the list, a download of them as a text file (a data: link, no
 * script needed), and Copy and Print buttons that /assets/recovery-codes.js reveals and wires
 * (the CSP allows no inline script; without script the buttons stay hidden, the browser's own
 * print and selection still work, and the print stylesheet prints only the codes).
 */
export function recoveryCodesBlock(codes: readonly string[]): SafeHtml {
  const text = `${codes.join('\n')}\n`;
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  return html`<p>Keep these recovery codes somewhere safe. Each works once if you lose your authenticator. They will not be shown again.</p>
<ul class="codes" id="recovery-codes">${codes.map((c) => html`<li><code>${c}</code></li>`)}</ul>
<div class="code-actions">
<a class="button-link" href="${href}" download="recovery-codes.txt">Download the codes</a>
<button type="button" class="secondary inline" id="codes-copy" hidden>Copy the codes</button>
<button type="button" class="secondary inline" id="codes-print" hidden>Print the codes</button>
</div>
<p class="muted" id="codes-status" role="status"></p>
<script src="/assets/recovery-codes.js" defer></script>`;
}

/** The "I have saved them" step: a required confirmation before the form that continues (the browser refuses to continue without it). */
export function savedConfirmation(): SafeHtml {
  return html`<p class="confirm"><input type="checkbox" id="codes-saved" name="saved" value="yes" required>
<label for="codes-saved">I have saved my recovery codes</label></p>`;
}

/** Copy and Print for the recovery codes (served at /assets/recovery-codes.js). */
export const RECOVERY_CODES_SCRIPT = `(function () {
  document.addEventListener('DOMContentLoaded', function () {
    var list = document.getElementById('recovery-codes');
    if (!list) return;
    var status = document.getElementById('codes-status');
    var text = Array.prototype.map.call(list.querySelectorAll('code'), function (c) { return c.textContent; }).join('\\n') + '\\n';
    var copy = document.getElementById('codes-copy');
    if (copy && navigator.clipboard) {
      copy.hidden = false;
      copy.addEventListener('click', function () {
        navigator.clipboard.writeText(text).then(
          function () { status.textContent = 'The codes are copied. Paste them somewhere safe.'; },
          function () { status.textContent = 'The codes could not be copied: select them and copy them instead.'; }
        );
      });
    }
    var print = document.getElementById('codes-print');
    if (print && window.print) {
      print.hidden = false;
      print.addEventListener('click', function () { window.print(); });
    }
  });
})();
`;
