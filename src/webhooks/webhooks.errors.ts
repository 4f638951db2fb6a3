import { ModuleError } from '../common/module-error.js';

export enum WebhooksErrorCode {
  NOT_FOUND = 'NOT_FOUND',
  URL_REFUSED = 'URL_REFUSED',
  VERSION_MISMATCH = 'VERSION_MISMATCH',
}

export class WebhooksError extends ModuleError<WebhooksErrorCode> {}
