import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/index.js';

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
        .build(),
      { standardSchemaConverter: toOpenApi31 },
    );
    doc.paths = Object.fromEntries(Object.entries(doc.paths).filter(([path]) => path.startsWith('/admin/')));
    return doc;
  };
  SwaggerModule.setup('admin/docs', app, document, {
    jsonDocumentUrl: 'admin/openapi.json',
    raw: ['json'],
    ui: true,
  });
}
