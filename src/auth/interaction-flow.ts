/**
 * The dispatcher's decision, pure: from the prompt oidc-provider asks for, the next step.
 * Steps (password, consent, and later MFA and federation) never call each other; each
 * finishes and returns here.
 */
export type InteractionStep = 'login' | 'consent' | 'unsupported';

export function nextStep(promptName: string): InteractionStep {
  switch (promptName) {
    case 'login':
      return 'login';
    case 'consent':
      return 'consent';
    default:
      return 'unsupported';
  }
}
