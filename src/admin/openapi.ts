import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/index.js';
import { setupDocsPage } from './admin-docs.js';
import { ADMIN_RESOURCE, ADMIN_ROLES, roleScope } from './admin-roles.js';

/** The reader lists these first: what a newcomer does first (users, then apps). */
const TAG_ORDER = ['users', 'clients', 'sessions', 'groups', 'keys', 'audit', 'consent', 'policies', 'compliance', 'break-glass', 'identity-providers', 'webhooks', 'admin'];

type JsonSchemaConverter = (params: { target: string; libraryOptions?: Record<string, unknown> }) => Record<string, unknown>;

/**
 * Route schemas are zod (Standard Schema); OpenAPI 3.1 uses JSON Schema 2020-12, so convert
 * to that dialect rather than swagger's 3.0 default. Anything JSON Schema cannot express
 * (a transform's output) becomes an unconstrained schema instead of failing the document.
 */
function toOpenApi31(schema: unknown, { schemaType }: { schemaType: 'input' | 'output' }) {
  const convert = (schema as { '~standard'?: { jsonSchema?: Record<string, JsonSchemaConverter> } })?.['~standard']?.jsonSchema?.[schemaType];
  if (!convert) return undefined;
  const { $schema: _dialect, $defs, ...rest } = convert({ target: 'draft-2020-12', libraryOptions: { unrepresentable: 'any' } });
  return { schema: rest, components: ($defs as Record<string, unknown> | undefined) ?? {} };
}

/**
 * OpenAPI 3.1 generated from the controllers: `/admin/openapi.json`, and a reader at
 * `/admin/docs`. Only admin routes are documented; the OIDC endpoints have discovery.
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  const tokenUrl = new URL('/token', config.issuer).href;
  const document = () => {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setOpenAPIVersion('3.1.0')
        .setTitle('Caduceus admin API')
        .setDescription(
          'Administration of a Caduceus identity service. Authenticate with a bearer access token ' +
            'issued by this service for the resource `urn:caduceus:admin`; each route lists the roles it accepts in `x-required-roles`.',
        )
        .setVersion('1')
        .addServer(config.issuer)
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
        .addOAuth2(
          {
            type: 'oauth2',
            description: `client credentials of an admin client; the token request names \`resource=${ADMIN_RESOURCE}\` (the reader at /admin/docs adds it)`,
            flows: { clientCredentials: { tokenUrl, scopes: Object.fromEntries(ADMIN_ROLES.map((r) => [roleScope(r), `the ${r} role`])) } },
          },
          'clientCredentials',
        )
        .build(),
      { standardSchemaConverter: toOpenApi31 },
    );
    doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => path.startsWith('/admin/')));
    // Either scheme carries the same bearer token: a pasted one, or one from client credentials.
    for (const item of Object.values(doc.paths)) {
      for (const op of Object.values(item) as Array<{ security?: Array<Record<string, string[]>> }>) {
        if (op?.security?.some((s) => 'bearer' in s)) op.security.push({ clientCredentials: [] });
      }
    }
    const used = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).flatMap((op) => (op as { tags?: string[] }).tags ?? [])));
    const rank = (t: string) => (TAG_ORDER.includes(t) ? TAG_ORDER.indexOf(t) : TAG_ORDER.length);
    doc.tags = [...used].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).map((name) => ({ name }));
    return doc;
  };
  SwaggerModule.setup('admin/docs', app, document, {
    jsonDocumentUrl: 'admin/openapi.json',
    raw: ['json'],
    // Swagger UI's own page has inline styles the CSP blocks: setupDocsPage serves a clean one.
    ui: false,
  });
  setupDocsPage(app, config, tokenUrl);
}
