import { ModuleError } from '../common/module-error.js';

export enum ClientsErrorCode {
  CLIENT_ALREADY_EXISTS = 'CLIENT_ALREADY_EXISTS',
  CLIENT_NOT_FOUND = 'CLIENT_NOT_FOUND',
  /** The client changed since the version the caller read (compare-and-swap lost). */
  VERSION_MISMATCH = 'VERSION_MISMATCH',
  /** The operation needs a secret-based client (rotating the secret of a public or private_key_jwt client). */
  NO_CLIENT_SECRET = 'NO_CLIENT_SECRET',
  RESOURCE_SERVER_ALREADY_EXISTS = 'RESOURCE_SERVER_ALREADY_EXISTS',
  INVALID_CLIENT_METADATA = 'INVALID_CLIENT_METADATA',
  INVALID_RESOURCE_SERVER = 'INVALID_RESOURCE_SERVER',
}

export class ClientsError extends ModuleError<ClientsErrorCode> {
  override name = 'ClientsError';
}
