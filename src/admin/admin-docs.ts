import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/index.js';
import { html, type SafeHtml } from '../ui/html.js';
import { ADMIN_RESOURCE } from './admin-roles.js';

const require = createRequire(import.meta.url);
/** swagger-ui-dist as @nestjs/swagger resolves it (its dependency), served from this origin. */
const SWAGGER_UI_DIST = dirname(createRequire(require.resolve('@nestjs/swagger')).resolve('swagger-ui-dist/package.json'));
const SWAGGER_FILES = new Set(['/swagger-ui.css', '/swagger-ui-bundle.js']);

/**
 * The reader's start-up: Swagger UI's base layout (no Explore bar), the document of this
 * service, and the one thing the client-credentials Authorize needs that Swagger UI cannot say:
 * `resource=urn:caduceus:admin` on the token request, so the token is one for the admin API.
 * A file of this origin: the CSP allows no inline script.
 */
function docsScript(tokenUrl: string): string {
  return `'use strict';
(function () {
  var TOKEN_URL = ${JSON.stringify(tokenUrl)};
  var RESOURCE = ${JSON.stringify(ADMIN_RESOURCE)};
  window.ui = SwaggerUIBundle({
    url: '/admin/openapi.json',
    dom_id: '#swagger-ui',
    layout: 'BaseLayout',
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    docExpansion: 'none',
    defaultModelsExpandDepth: -1,
    persistAuthorization: false,
    syntaxHighlight: false,
    requestInterceptor: function (req) {
      if (req.url === TOKEN_URL && typeof req.body === 'string' && !/(^|&)resource=/.test(req.body)) {
        req.body += '&resource=' + encodeURIComponent(RESOURCE);
      }
      return req;
    },
  });
  // Swagger UI's accessibility gaps that axe finds: an unnamed server picker and close button,
  // and buttons whose aria-label hides their visible text ("Authorize" named "Apply credentials").
  new MutationObserver(function () {
    var servers = document.getElementById('servers');
    if (servers && !servers.hasAttribute('aria-label')) servers.setAttribute('aria-label', 'Server');
    document.querySelectorAll('.close-modal:not([aria-label])').forEach(function (b) { b.setAttribute('aria-label', 'Close'); });
    document.querySelectorAll('.auth-btn-wrapper button[aria-label]').forEach(function (b) {
      var text = (b.textContent || '').trim();
      if (text && b.getAttribute('aria-label').indexOf(text) === -1) b.removeAttribute('aria-label');
    });
  }).observe(document.getElementById('swagger-ui'), { childList: true, subtree: true });
})();
`;
}

/**
 * Overrides of Swagger UI's stylesheet for WCAG 2.2 AA contrast (its greys and method colours
 * on white fall below 4.5:1) and a visible focus, plus the page's own header.
 */
const DOCS_CSS = `body{margin:0;background:#fff;color:#1b1f24;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.docs-top{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1.5rem;padding:.75rem 1.25rem;border-bottom:1px solid #c9d0d9}
.docs-top h1{font-size:1.2rem;margin:0}.docs-top a{color:#0b5cad}
.docs-top p{margin:0;color:#4f5864;font-size:.9rem;flex-basis:100%}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible{outline:3px solid #0b5cad!important;outline-offset:2px}
.swagger-ui .info .title small pre,.swagger-ui .info .title small{background:#4f5864}
.swagger-ui .info .title small.version-stamp{background:#1d6b35}
.swagger-ui .opblock .opblock-summary-method{color:#fff;text-shadow:none}
.swagger-ui .opblock.opblock-get .opblock-summary-method{background:#0b5cad}
.swagger-ui .opblock.opblock-post .opblock-summary-method{background:#1d6b35}
.swagger-ui .opblock.opblock-put .opblock-summary-method{background:#8a4b00}
.swagger-ui .opblock.opblock-patch .opblock-summary-method{background:#0f6b62}
.swagger-ui .opblock.opblock-delete .opblock-summary-method{background:#a4161a}
.swagger-ui .opblock .opblock-summary-path,.swagger-ui .opblock .opblock-summary-path__deprecated,.swagger-ui .opblock .opblock-summary-description{color:#1b1f24}
.swagger-ui .opblock-tag small,.swagger-ui .opblock-description-wrapper p,.swagger-ui .response-col_status,.swagger-ui .response-col_links,.swagger-ui .parameter__in,.swagger-ui .parameter__type,.swagger-ui .prop-format,.swagger-ui .model-title,.swagger-ui .model,.swagger-ui table thead tr td,.swagger-ui table thead tr th,.swagger-ui .parameter__name,.swagger-ui .opblock-tag,.swagger-ui .tab li,.swagger-ui .info p,.swagger-ui .info li,.swagger-ui .scheme-container .schemes>label,.swagger-ui .renderedMarkdown p,.swagger-ui label,.swagger-ui .dialog-ux .modal-ux-content p,.swagger-ui .dialog-ux .modal-ux-content h4,.swagger-ui .dialog-ux .modal-ux-header h3,.swagger-ui .auth-container h4,.swagger-ui .auth-container h6,.swagger-ui section h3,.swagger-ui .response-control-media-type__accept-message,.swagger-ui .opblock-section-header h4,.swagger-ui .opblock-section-header>label,.swagger-ui .model-box-control,.swagger-ui .prop-type,.swagger-ui .servers>label{color:#1b1f24}
.swagger-ui .parameter__name.required:after,.swagger-ui .parameter__name.required span{color:#a4161a}
.swagger-ui .btn.authorize,.swagger-ui .btn.authorize svg{color:#1d6b35;border-color:#1d6b35;fill:#1d6b35}
.swagger-ui .info a,.swagger-ui a.nostyle,.swagger-ui .info .base-url{color:#0b5cad}
.swagger-ui .opblock-summary-control:focus{outline:3px solid #0b5cad}
.swagger-ui .response-col_description__inner p,.swagger-ui .markdown p,.swagger-ui .markdown code,.swagger-ui .renderedMarkdown code{color:#1b1f24}
.swagger-ui .markdown code,.swagger-ui .renderedMarkdown code{background:#eef1f5}
.swagger-ui .model .property.primitive,.swagger-ui .model-toggle:after{color:#4f5864}
.swagger-ui .scopes h2,.swagger-ui .scopes h2 a{color:#1b1f24}
.swagger-ui .auth-btn-wrapper .btn-done{color:#1b1f24;border-color:#4f5864}
.swagger-ui .btn.cancel{color:#a4161a;border-color:#a4161a}
.swagger-ui .errors-wrapper,.swagger-ui .errors-wrapper .errors small,.swagger-ui .errors-wrapper h4{color:#1b1f24}
.swagger-ui .opblock-tag{font-size:1.25rem}
`;

function docsPage(brand: string): SafeHtml {
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>Admin API reference · ${brand}</title>
<link rel="stylesheet" href="/admin/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/admin/docs/docs.css">
</head>
<body>
<header class="docs-top">
<h1>Admin API reference</h1>
<a href="/admin/openapi.json">OpenAPI document</a>
<a href="/admin/console">Admin console</a>
<p>Authorize with an admin client's id and secret (client credentials) or a bearer token you already have.</p>
</header>
<main id="swagger-ui"></main>
<noscript><p>This reader needs JavaScript; the document itself is at <a href="/admin/openapi.json">/admin/openapi.json</a>.</p></noscript>
<script src="/admin/docs/assets/swagger-ui-bundle.js"></script>
<script src="/admin/docs/docs.js"></script>
</body>
</html>`;
}

/**
 * `/admin/docs`: Swagger UI under the service's strict CSP: every script and stylesheet a file
 * of this origin (swagger-ui-dist through @fastify/static, only the two files the page uses),
 * no inline script or style, no Explore bar, a branded title. Public like the document itself
 * (it holds nothing; `ADMIN_IP_ALLOWLIST` covers it).
 */
export function setupDocsPage(app: NestFastifyApplication, config: AppConfig, tokenUrl: string): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const page = docsPage(config.brand.name).toString();
  const script = docsScript(tokenUrl);
  void fastify.register(fastifyStatic, {
    root: SWAGGER_UI_DIST,
    prefix: '/admin/docs/assets/',
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => SWAGGER_FILES.has(pathName),
    cacheControl: true,
    maxAge: '1d',
  });
  const send = (type: string, body: string) => (_req: unknown, reply: { type(t: string): { header(k: string, v: string): { send(b: string): unknown } } }) =>
    reply.type(type).header('Cache-Control', 'no-cache').send(body);
  fastify.get('/admin/docs', send('text/html; charset=utf-8', page));
  fastify.get('/admin/docs/docs.js', send('text/javascript; charset=utf-8', script));
  fastify.get('/admin/docs/docs.css', send('text/css; charset=utf-8', DOCS_CSS));
}
