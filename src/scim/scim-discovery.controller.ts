import { Controller, Get, Header, Inject, Param, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { ScimErrorFilter, SCIM_CONTENT_TYPE } from './scim-error.filter.js';
import { base, GROUP_ROLES_SCHEMA, GROUP_SCHEMA, LIST_SCHEMA, SCIM_BASE, USER_SCHEMA } from './scim-resources.js';
import { ScimError } from './scim.errors.js';

const attr = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

const SCHEMAS = [
  {
    id: USER_SCHEMA,
    name: 'User',
    description: 'A person; userName is their email address',
    attributes: [
      attr('userName', { required: true, uniqueness: 'server' }),
      attr('externalId', { caseExact: true }),
      { ...attr('name', { type: 'complex' }), subAttributes: [attr('formatted', { mutability: 'readOnly' }), attr('givenName'), attr('familyName')] },
      attr('displayName', { mutability: 'readOnly' }),
      { ...attr('emails', { type: 'complex', multiValued: true, mutability: 'readOnly' }), subAttributes: [attr('value'), attr('type'), attr('primary', { type: 'boolean' })] },
      attr('active', { type: 'boolean' }),
      { ...attr('roles', { type: 'complex', multiValued: true }), subAttributes: [attr('value')] },
      { ...attr('groups', { type: 'complex', multiValued: true, mutability: 'readOnly' }), subAttributes: [attr('value'), attr('display'), attr('$ref', { type: 'reference' })] },
    ],
  },
  {
    id: GROUP_SCHEMA,
    name: 'Group',
    description: 'A group (department, team); its members get the roles it grants',
    attributes: [
      attr('displayName', { required: true, uniqueness: 'server' }),
      attr('externalId', { caseExact: true }),
      { ...attr('members', { type: 'complex', multiValued: true }), subAttributes: [attr('value', { mutability: 'immutable' }), attr('display', { mutability: 'readOnly' }), attr('$ref', { type: 'reference', mutability: 'readOnly' })] },
    ],
  },
  {
    id: GROUP_ROLES_SCHEMA,
    name: 'CaduceusGroup',
    description: 'The roles a group grants its members (protected roles cannot be provisioned)',
    attributes: [attr('roles', { multiValued: true })],
  },
];

/**
 * The SCIM discovery endpoints (RFC 7644 §4): what this service provider supports. They carry
 * no data of anyone and are answered without a token, so a directory can check them first.
 */
@ApiExcludeController()
@Controller(SCIM_BASE.slice(1))
@UseFilters(ScimErrorFilter)
export class ScimDiscoveryController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  @Get('ServiceProviderConfig')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  serviceProviderConfig() {
    return {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      documentationUri: `${this.config.issuer.replace(/\/+$/, '')}/admin/docs`,
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: false },
      etag: { supported: true },
      authenticationSchemes: [
        {
          type: 'oauthbearertoken',
          name: 'OAuth Bearer Token',
          description: 'an access token from client credentials of a provisioning client (scope admin:provisioning, resource urn:caduceus:admin)',
          primary: true,
        },
      ],
      meta: { resourceType: 'ServiceProviderConfig', location: `${base(this.config.issuer)}/ServiceProviderConfig` },
    };
  }

  @Get('ResourceTypes')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  resourceTypes() {
    const types = this.types();
    return { schemas: [LIST_SCHEMA], totalResults: types.length, startIndex: 1, itemsPerPage: types.length, Resources: types };
  }

  @Get('ResourceTypes/:name')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  resourceType(@Param('name') name: string) {
    const found = this.types().find((t) => t.id === name);
    if (!found) throw new ScimError(404, undefined, `no resource type ${name}`);
    return found;
  }

  @Get('Schemas')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  schemas() {
    const all = SCHEMAS.map((s) => this.withMeta(s));
    return { schemas: [LIST_SCHEMA], totalResults: all.length, startIndex: 1, itemsPerPage: all.length, Resources: all };
  }

  @Get('Schemas/:id')
  @Header('Content-Type', SCIM_CONTENT_TYPE)
  schema(@Param('id') id: string) {
    const found = SCHEMAS.find((s) => s.id === id);
    if (!found) throw new ScimError(404, undefined, `no schema ${id}`);
    return this.withMeta(found);
  }

  private withMeta(s: (typeof SCHEMAS)[number]) {
    return { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'], ...s, meta: { resourceType: 'Schema', location: `${base(this.config.issuer)}/Schemas/${s.id}` } };
  }

  private types() {
    const mk = (id: string, endpoint: string, schema: string, extensions: string[]) => ({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id,
      name: id,
      endpoint,
      schema,
      schemaExtensions: extensions.map((e) => ({ schema: e, required: false })),
      meta: { resourceType: 'ResourceType', location: `${base(this.config.issuer)}/ResourceTypes/${id}` },
    });
    return [mk('User', '/Users', USER_SCHEMA, []), mk('Group', '/Groups', GROUP_SCHEMA, [GROUP_ROLES_SCHEMA])];
  }
}
