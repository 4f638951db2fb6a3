// The browser half of README "Getting started in five minutes", in Chromium (playwright-core),
// taking the screenshots of docs/screenshots on the way. ISSUER=http://localhost:3000 and:
//   node docs/screenshots/take-screenshots.mjs admin <passwordSetupLink> <email> <new password>
//   node docs/screenshots/take-screenshots.mjs app <authorize URL> <email> <password>   (prints the redirect with the code)
import { chromium } from 'playwright-core';
import { generate } from 'otplib';
const [step, ...args] = process.argv.slice(2);
const ISSUER = process.env.ISSUER;
const SHOTS = new URL('.', import.meta.url).pathname;
const b = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless','--no-sandbox','--disable-gpu','--disable-background-networking'] });
const ctx = await b.newContext({ viewport: { width: 1280, height: 820 } });
const p = await ctx.newPage();
const shot = (name) => p.screenshot({ path: `${SHOTS}/${name}.png` });
if (step === 'admin') {
  const [link, email, password] = args;
  await p.goto(link);
  await p.getByLabel('New password').fill(password);
  await p.getByRole('button', { name: 'Set password' }).click();
  await p.waitForLoadState();
  await p.goto(`${ISSUER}/admin/console`);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
  const secret = (await p.textContent('#totp-secret')).replace(/\s+/g, '');
  await p.getByLabel('Authentication code').fill(await generate({ secret }));
  await p.getByRole('button', { name: 'Verify' }).click();
  await p.getByRole('heading', { name: 'Recovery codes' }).waitFor();
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  await p.locator('main table').waitFor();
  await shot('console-users');
  await p.getByRole('link', { name: 'Apps', exact: true }).click();
  await p.getByRole('link', { name: 'Register an app' }).click();
  await p.getByLabel('Name people see').fill('Medication chart');
  await p.getByLabel('Redirect URIs', { exact: true }).fill('https://chart.hospital.example/callback');
  await p.getByLabel('Name people see').blur();
  await p.evaluate(() => window.scrollTo(0, 0));
  await shot('console-register-app');
  await p.goto(`${ISSUER}/admin/console#/keys`);
  await p.locator('main[data-ready="keys"]').waitFor();
  await shot('console-keys');
  await p.goto(`${ISSUER}/admin/console#/audit`);
  await p.locator('main[data-ready="audit"]').waitFor();
  await shot('console-audit');
  await p.goto(`${ISSUER}/admin/docs`);
  await p.locator('.opblock-tag').first().waitFor();
  await shot('admin-docs');
  console.log('console ok');
} else if (step === 'app') {
  // Signs the clinician in to the app at the authorize URL and prints where the browser went.
  const [url, email, password] = args;
  await p.goto(url);
  await p.getByLabel('Email').fill(email);
  await p.getByLabel('Password').fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('heading', { name: 'Set up two-step verification' }).waitFor();
  const secret = (await p.textContent('#totp-secret')).replace(/\s+/g, '');
  await p.getByLabel('Authentication code').fill(await generate({ secret }));
  await p.getByRole('button', { name: 'Verify' }).click();
  await p.getByRole('heading', { name: 'Recovery codes' }).waitFor();
  const back = p.waitForRequest((r) => r.url().startsWith('http://127.0.0.1:8080/callback'));
  await p.getByRole('button', { name: 'Continue' }).click();
  const allow = p.getByRole('button', { name: 'Allow' });
  const done = await Promise.race([back.then(() => 'back'), allow.waitFor().then(() => 'consent')]);
  if (done === 'consent') await allow.click();
  console.log((await back).url());
}
await b.close();
