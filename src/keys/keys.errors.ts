export enum KeysErrorCode {
  KEK_MISMATCH = 'KEK_MISMATCH',
  UNSEAL_FAILED = 'UNSEAL_FAILED',
  NO_ACTIVE_KEY = 'NO_ACTIVE_KEY',
}

export class KeysError extends Error {
  override name = 'KeysError';
  constructor(
    readonly code: KeysErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
