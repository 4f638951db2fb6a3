import { describe, expect, it } from 'vitest';
import { checkPassword } from './password-policy.js';

const codes = (password: string, email?: string) => checkPassword(password, { email }).map((p) => p.code);

describe('password policy (NIST SP 800-63B)', () => {
  it.each([
    ['short but otherwise fine', 'Xk7#pQ2!', ['TOO_SHORT']],
    ['exactly 12 characters', 'vivid-otter-9', []],
    ['a long passphrase', 'correct horse battery staple 42', []],
    ['129 characters', 'a1b2c3d4e5f6'.repeat(10) + 'x'.repeat(9), ['TOO_LONG']],
    ['128 characters', 'a1b2c3d4e5f6g7h8'.repeat(6) + 'correct horse battery staple 42!', []],
    ['a common password of legal length', 'qwerty123456', ['COMMON']],
    ['a common password with capitals', 'QWERTY123456', ['COMMON']],
    ['a common word with digits and symbols around it', '2024!!password!!2024', ['COMMON']],
    ['one character repeated', 'aaaaaaaaaaaaaaaa', ['REPETITIVE']],
    ['a short pattern repeated', 'abcabcabcabc', ['REPETITIVE']],
    ['no composition rules: all lowercase letters', 'thisisjustlowercase', []],
    ['unicode counts by character', 'ÅåÄäÖö€漢字ñçø', []],
  ])('%s', (_label, password, expected) => {
    expect(codes(password)).toEqual(expected);
  });

  it('refuses the email address and its local part as a password', () => {
    expect(codes('grey.meredith@hospital.org', 'Grey.Meredith@hospital.org')).toEqual(['SAME_AS_EMAIL']);
    expect(codes('grey.meredith.md', 'grey.meredith.md@hospital.org')).toEqual(['SAME_AS_EMAIL']);
  });

  it('applies the bounds of the policy in force, never below 12 nor above 128', () => {
    expect(checkPassword('fifteen chars!!', { minLength: 16 }).map((p) => p.message)).toEqual(['must be at least 16 characters long']);
    expect(checkPassword('a sixteen chars!', { minLength: 16 })).toEqual([]);
    expect(checkPassword('correct horse battery staple 42', { maxLength: 20 }).map((p) => p.message)).toEqual(['must be at most 20 characters long']);
    expect(codes('Xk7#pQ2!vw9')).toEqual(['TOO_SHORT']);
    expect(checkPassword('Xk7#pQ2!vw9', { minLength: 8 }).map((p) => p.code)).toEqual(['TOO_SHORT']);
  });

  it('says why in words a person understands', () => {
    const messages = checkPassword('password', { email: 'a@b.c' }).map((p) => p.message);
    expect(messages).toContain('must be at least 12 characters long');
    expect(messages.join(' ')).toMatch(/commonly used password/);
  });
});
