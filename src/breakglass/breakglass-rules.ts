/** Pure rules of emergency access, table-tested. */

export const MIN_JUSTIFICATION = 20;
export const MAX_JUSTIFICATION = 1000;

/** Rules: trimmed, at least MIN_JUSTIFICATION characters, at most MAX_JUSTIFICATION. Returns the reason it is refused, or null. */
export function justificationProblem(raw: unknown): string | null {
  if (typeof raw !== 'string') return 'Type the reason for emergency access.';
  const text = raw.trim();
  if (text.length < MIN_JUSTIFICATION) return `The reason must be at least ${MIN_JUSTIFICATION} characters.`;
  if (text.length > MAX_JUSTIFICATION) return `The reason must be at most ${MAX_JUSTIFICATION} characters.`;
  return null;
}

/**
 * Rules: a passkey is stronger than a TOTP code (phishing-resistant), so a user with both
 * must use the passkey; a user with neither cannot start an emergency session at all.
 */
export function strongestFactor(types: ReadonlyArray<'totp' | 'webauthn'>): 'totp' | 'webauthn' | null {
  if (types.includes('webauthn')) return 'webauthn';
  if (types.includes('totp')) return 'totp';
  return null;
}

/** Only holders of the designated role may break the glass. */
export function isDesignated(roles: readonly string[], role: string): boolean {
  return roles.includes(role);
}
