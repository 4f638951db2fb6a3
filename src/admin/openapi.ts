import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '../config/index.js';

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
