import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { RECOVERY_CODES_SCRIPT, STYLESHEET } from '../ui/index.js';
import { PASSKEY_SCRIPT } from '../mfa/mfa-pages.js';

const require = createRequire(import.meta.url);
/** @simplewebauthn/browser's own bundle, served from this origin (the CSP allows no other). */
const SIMPLEWEBAUTHN_BROWSER = readFileSync(
  join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'dist', 'bundle', 'index.umd.min.js'),
  'utf8',
);

/** The sign-in pages' stylesheet and scripts, all served from this origin. */
@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('caduceus.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  stylesheet(): string {
    return STYLESHEET;
  }

  @Get('passkey.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  passkey(): string {
    return PASSKEY_SCRIPT;
  }

  @Get('recovery-codes.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  recoveryCodes(): string {
    return RECOVERY_CODES_SCRIPT;
  }

  @Get('simplewebauthn-browser.js')
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=86400')
  simpleWebAuthn(): string {
    return SIMPLEWEBAUTHN_BROWSER;
  }
}
