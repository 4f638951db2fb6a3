import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

/**
 * axe-core on the page as it is now (WCAG 2.x A/AA and 2.2 rules): throws listing every
 * serious or critical violation, so a test fails on one.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length) {
    throw new Error(`${what} (${page.url()}): ${bad.map((v) => `${v.id} [${v.impact}] ${v.help}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n')}`);
  }
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 740 };

/**
 * The page as it is now, at desktop and at phone width: no serious or critical axe violation at
 * either, nothing wider than a phone's screen (no sideways scrolling), and a visible focus on the
 * control Tab reaches. Leaves desktop width.
 */
export async function expectAccessibleAtBothWidths(page: Page, what: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  await expectAccessible(page, `${what} (desktop)`);
  await page.setViewportSize(PHONE);
  await expectAccessible(page, `${what} (phone)`);
  const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'));
  if (overflow > 0) throw new Error(`${what} (${page.url()}): ${overflow}px wider than a phone's screen`);
  await page.setViewportSize(DESKTOP);
  // Keyboard use: Tab reaches a control, and the focused control shows a visible outline.
  await page.keyboard.press('Tab');
  const focus = String(
    await page.evaluate(
      '(function (e) { if (e && e !== document.body) return e.tagName + " " + getComputedStyle(e).outlineStyle; return document.querySelector("a[href], button, input:not([type=hidden]), select, textarea, summary") ? "nothing focused" : "no control"; })(document.activeElement)',
    ),
  );
  if (focus !== 'no control' && (focus === 'nothing focused' || focus.endsWith(' none'))) throw new Error(`${what} (${page.url()}): no visible keyboard focus after Tab (${focus})`);
}
