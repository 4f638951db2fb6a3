/**
 * The roles whose grant is a high-risk act under dual control: super-admin and key-admin (who
 * can sign for the whole service) and the break-glass role (emergency access).
 */
export function highRiskRoles(breakGlassRole: string): readonly string[] {
  return ['super-admin', 'key-admin', breakGlassRole];
}

/** The high-risk roles that `next` grants and `current` does not hold (an empty list: no grant). */
export function grantsHighRiskRole(current: readonly string[], next: readonly string[] | undefined, breakGlassRole: string): string[] {
  const risky = new Set(highRiskRoles(breakGlassRole));
  return (next ?? []).filter((r) => risky.has(r) && !current.includes(r));
}
