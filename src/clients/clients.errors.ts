export enum ClientsErrorCode {
  CLIENT_ALREADY_EXISTS = 'CLIENT_ALREADY_EXISTS',
  RESOURCE_SERVER_ALREADY_EXISTS = 'RESOURCE_SERVER_ALREADY_EXISTS',
  INVALID_CLIENT_METADATA = 'INVALID_CLIENT_METADATA',
  INVALID_RESOURCE_SERVER = 'INVALID_RESOURCE_SERVER',
}

export class ClientsError extends Error {
  override name = 'ClientsError';
  constructor(
    readonly code: ClientsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
