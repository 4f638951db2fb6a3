import { createRequire } from 'node:module';

/**
 * The password rules, after NIST SP 800-63B: a length within the bounds in force (the runtime
 * policy's, never outside 12 to 128), not a known common or breached password (nor one with
 * only digits or symbols around it), not the email address or its local part, and no
 * composition rules.
 */
export interface PasswordProblem {
  code: 'TOO_SHORT' | 'TOO_LONG' | 'COMMON' | 'SAME_AS_EMAIL' | 'REPETITIVE';
  message: string;
}

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 128;

let common: Set<string> | undefined;

/** The common-password list shipped with @zxcvbn-ts/language-common (about 49,000 entries). */
function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const list = require('@zxcvbn-ts/language-common/src/passwords.json') as string[];
    common = new Set(list.map((p) => p.toLowerCase()));
  }
  return common;
}

/** Code points, not UTF-16 units: an emoji counts as one character. */
function length(s: string): number {
  return [...s].length;
}

export interface PasswordContext {
  email?: string;
  /** The runtime policy's bounds (src/policies); 12 and 128 when not given. */
  minLength?: number;
  maxLength?: number;
}

export function checkPassword(password: string, context: PasswordContext = {}): PasswordProblem[] {
  const problems: PasswordProblem[] = [];
  const normalised = password.normalize('NFKC');
  const n = length(normalised);
  const min = Math.max(context.minLength ?? MIN_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH);
  const max = Math.min(context.maxLength ?? MAX_PASSWORD_LENGTH, MAX_PASSWORD_LENGTH);
  if (n < min) {
    problems.push({ code: 'TOO_SHORT', message: `must be at least ${min} characters long` });
  }
  if (n > max) {
    problems.push({ code: 'TOO_LONG', message: `must be at most ${max} characters long` });
  }
  const lower = normalised.toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
  const list = commonPasswords();
  if (list.has(lower) || (core.length >= 4 && list.has(core))) {
    problems.push({ code: 'COMMON', message: 'is a commonly used password that attackers try first; choose another' });
  }
  if (/^(.)\1+$/u.test(normalised) || /^(.{1,3})\1{3,}$/u.test(normalised)) {
    problems.push({ code: 'REPETITIVE', message: 'must not be a short pattern repeated' });
  }
  const email = context.email?.trim().toLowerCase();
  if (email && (lower === email || lower === email.split('@')[0])) {
    problems.push({ code: 'SAME_AS_EMAIL', message: 'must not be the same as the email address' });
  }
  return problems;
}
