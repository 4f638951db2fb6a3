import { Body, Controller, Delete, Get, Headers, HttpCode, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  adminScopesIn,
  ApiIfMatch,
  ApiProblems,
  assertNever,
  etagOf,
  withETag,
  Idempotent,
  mayHandleAdminScopes,
  optionalIfMatch,
  pageQuery,
  pageSchema,
  ProblemError,
  problemMapping,
  requireIfMatch,
  toPage,
  type AdminEventContext,
  type AdminRequest,
  type AdminRole,
  type Page,
  type Problem,
} from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService, grantsHighRiskScope } from '../approvals/index.js';
import { TLS_CLIENT_AUTH_FIELDS } from './client-mtls.js';
import { PoliciesService } from '../policies/index.js';
import type { ClientRecord } from './client-record.js';
import { ClientManagementService, type ClientAction } from './client-management.service.js';
import { ClientsError, ClientsErrorCode } from './clients.errors.js';
import { isReservedClientId, registerClientSchema, updateClientSchema, type ClientRegistration } from './clients.schemas.js';
import { ClientsService } from './clients.service.js';
import { clientResponseSchema, clientWithSecretResponseSchema, toClientResponse, type ClientResponse } from './dto/client.response.js';

const clientIdParam = z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, 'is not a client id');
const listQuerySchema = pageQuery(z.object({ c: z.iso.datetime(), id: z.string().max(128) })).extend({
  q: z.string().trim().min(1, 'must not be empty').max(200).optional().describe('case-insensitive fragment of the client name'),
});

const path = (clientId: string) => `/admin/v1/clients/${encodeURIComponent(clientId)}`;

/** The fields of a PATCH that change how a client proves who it is (its keys, its auth method, its certificate). */
const CREDENTIAL_FIELDS = ['tokenEndpointAuthMethod', 'jwks', 'jwksUri', ...TLS_CLIENT_AUTH_FIELDS.map(([field]) => field)] as const;
const credentialFieldsIn = (patch: Record<string, unknown>): string[] => CREDENTIAL_FIELDS.filter((f) => patch[f] !== undefined);

/**
 * /admin/v1/clients: registration and lifecycle of downstream apps. client-admin manages them,
 * auditor may read; only super-admin may touch a client that carries admin scopes, so no role
 * can mint or take over a stronger admin client. Secrets are returned only by register and rotate.
 */
@ApiTags('clients')
@Controller('admin/v1/clients')
export class ClientsAdminController {
  constructor(
    private readonly clients: ClientsService,
    private readonly management: ClientManagementService,
    private readonly approvals: ApprovalsService,
    private readonly policies: PoliciesService,
  ) {
    // Dual control: the stored change runs as the route would have, the approver acting.
    approvals.register('clients.create', async (body: z.output<typeof registerClientSchema>, context) => {
      if (!mayHandleAdminScopes(context.approverRoles, body.resourceScopes)) throw adminScopesForbidden();
      const created = await this.clients.createClient(body, context.actor, { correlationId: context.correlationId });
      return { ...toClientResponse(created.client), clientSecret: created.clientSecret ?? null };
    });
    approvals.register('clients.secret.rotate', async (act: { clientId: string; expectedVersions?: number[] }, context) => {
      const { client, clientSecret } = await this.management.rotateSecret(
        act.clientId,
        this.approvedAction(context.approverRoles, context, act.expectedVersions),
      );
      return { ...toClientResponse(client), clientSecret };
    });
    approvals.register(
      'clients.update',
      async (act: { clientId: string; patch: z.output<typeof updateClientSchema>; expectedVersions: number[] }, context) =>
        toClientResponse(
          await this.management.update(act.clientId, act.patch, this.approvedAction(context.approverRoles, context, act.expectedVersions)),
        ),
    );
  }

  @Post()
  @AdminRoute('client-admin')
  @Idempotent()
  @ApiOperation({ summary: 'Register a downstream app; a confidential client secret is in this response and never again' })
  @ApiResponse({ status: 201, description: 'the client, with its secret (once)', standardSchema: clientWithSecretResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 409, 413, 415, 503)
  async register(
    @Body({ schema: registerClientSchema }) body: z.output<typeof registerClientSchema>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (!mayHandleAdminScopes(request.admin!.roles, body.resourceScopes)) throw adminScopesForbidden();
    const granted = grantsHighRiskScope([], body.resourceScopes);
    // A client's optional MFA overrides a deployment that requires it: a weakening (as PATCH to optional is).
    const weakensMfa = body.mfaPolicy === 'optional' && (await this.policies.mfaPolicy()).policy === 'required';
    if ((granted.length || weakensMfa) && (await this.approvals.dualControlOn())) {
      await this.clients.checkRegistration(body);
      const what = [...(granted.length ? [granted.join(', ')] : []), ...(weakensMfa ? ['MFA optional'] : [])].join(' and ');
      const pending = await this.approvals.gate(request, {
        kind: 'clients.create',
        summary: `register client ${body.name} with ${what}`,
        details: { name: body.name, clientId: body.clientId ?? null, resourceScopes: body.resourceScopes, granted, mfaPolicy: body.mfaPolicy },
        act: body,
      });
      if (pending) return acceptedForApproval(reply, pending);
    }
    const { actor, correlationId } = adminEventContext(request);
    const created = await this.clients.createClient(body, actor, { correlationId });
    reply.header('Location', path(created.clientId)).header('ETag', etagOf(created.client.version));
    return { ...toClientResponse(created.client), clientSecret: created.clientSecret ?? null };
  }

  @Get()
  @AdminRoute('client-admin', 'auditor')
  @ApiOperation({ summary: 'List clients in registration order, optionally by a name fragment (cursor pagination)' })
  @ApiResponse({ status: 200, description: 'a page of clients', standardSchema: pageSchema(clientResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: listQuerySchema }) query: z.output<typeof listQuerySchema>): Promise<Page<ClientResponse>> {
    const rows = await this.management.list({
      limit: query.limit + 1,
      after: query.cursor ? { createdAt: query.cursor.c, clientId: query.cursor.id } : undefined,
      nameContains: query.q,
    });
    return toPage(
      rows,
      query.limit,
      (row) => ({ c: row.position.createdAt, id: row.position.clientId }),
      (row) => toClientResponse(row.client),
    );
  }

  @Get(':clientId')
  @AdminRoute('client-admin', 'auditor')
  @ApiOperation({ summary: 'One client; its ETag is what an update sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the client', standardSchema: clientResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('clientId', { schema: clientIdParam }) clientId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.management.get(clientId), toClientResponse);
  }

  @Patch(':clientId')
  @AdminRoute('client-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Change some fields of a client (not its id or type); null removes an optional field' })
  @ApiResponse({ status: 200, description: 'the updated client', standardSchema: clientResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 404, 412, 428, 503)
  async update(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Body({ schema: updateClientSchema }) patch: z.output<typeof updateClientSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedVersions = requireIfMatch(ifMatch);
    const credentials = credentialFieldsIn(patch);
    if ((patch.mfaPolicy === 'optional' || patch.resourceScopes !== undefined || credentials.length) && (await this.approvals.dualControlOn())) {
      const current = await this.management.get(clientId);
      this.action(request, expectedVersions).authorize!(current);
      if (!mayHandleAdminScopes(request.admin!.roles, patch.resourceScopes ?? [])) throw adminScopesForbidden();
      const weakensMfa = patch.mfaPolicy === 'optional' && current.mfaPolicy === 'required';
      const granted = grantsHighRiskScope(current.resourceScopes, patch.resourceScopes);
      // New keys or another way to authenticate for a client holding an admin role: whoever sets them can act as it.
      const credentialsChanged = credentials.length > 0 && adminScopesIn([...current.resourceScopes, ...(patch.resourceScopes ?? [])]).length > 0;
      if (weakensMfa || granted.length || credentialsChanged) {
        const what = [
          ...(weakensMfa ? ['make MFA optional for'] : []),
          ...(granted.length ? [`give ${granted.join(', ')} to`] : []),
          ...(credentialsChanged ? [`change the credentials (${credentials.join(', ')}) of`] : []),
        ].join(' and ');
        const pending = await this.approvals.gate(request, {
          kind: 'clients.update',
          summary: `${what} client ${clientId}`,
          details: { clientId, name: current.name, patch, granted, credentials: credentialsChanged ? credentials : [] },
          act: { clientId, patch, expectedVersions },
        });
        if (pending) return acceptedForApproval(reply, pending);
      }
    }
    return withETag(reply, await this.management.update(clientId, patch, this.action(request, expectedVersions)), toClientResponse);
  }

  @Post(':clientId/secret')
  @HttpCode(200)
  @AdminRoute('client-admin')
  @Idempotent()
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Rotate the secret: the new one is in this response only, the old one stops working at once' })
  @ApiResponse({ status: 200, description: 'the client with its new secret (once)', standardSchema: clientWithSecretResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(404, 409, 412, 503)
  async rotateSecret(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedVersions = optionalIfMatch(ifMatch);
    if (await this.approvals.dualControlOn()) {
      const current = await this.management.get(clientId);
      this.action(request, expectedVersions).authorize!(current);
      // A new secret for a client holding an admin role is a new holder of that role (a second approver, for super-admin).
      const held = adminScopesIn(current.resourceScopes);
      if (held.length) {
        const pending = await this.approvals.gate(request, {
          kind: 'clients.secret.rotate',
          summary: `rotate the secret of client ${clientId} (${held.join(', ')})`,
          details: { clientId, name: current.name, resourceScopes: held },
          act: { clientId, expectedVersions },
        });
        if (pending) return acceptedForApproval(reply, pending);
      }
    }
    const { client, clientSecret } = await this.management.rotateSecret(clientId, this.action(request, expectedVersions));
    reply.header('ETag', etagOf(client.version));
    return { ...toClientResponse(client), clientSecret };
  }

  @Post(':clientId/disable')
  @HttpCode(200)
  @AdminRoute('client-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Disable a client: it cannot authenticate and its tokens introspect inactive, at once' })
  @ApiResponse({ status: 200, description: 'the disabled client', standardSchema: clientResponseSchema })
  @ApiProblems(404, 412, 503)
  async disable(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.setEnabled(clientId, false, ifMatch, request, reply);
  }

  @Post(':clientId/enable')
  @HttpCode(200)
  @AdminRoute('client-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Enable a disabled client again' })
  @ApiResponse({ status: 200, description: 'the enabled client', standardSchema: clientResponseSchema })
  @ApiProblems(404, 412, 503)
  async enable(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.setEnabled(clientId, true, ifMatch, request, reply);
  }

  @Delete(':clientId')
  @HttpCode(204)
  @AdminRoute('client-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Delete a client: it stops working at once, its tokens are revoked, its id is never reused' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(404, 412, 503)
  async delete(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
  ): Promise<void> {
    await this.management.delete(clientId, this.action(request, optionalIfMatch(ifMatch)));
  }

  private async setEnabled(clientId: string, enabled: boolean, ifMatch: string | undefined, request: AdminRequest, reply: FastifyReply) {
    return withETag(reply, await this.management.setEnabled(clientId, enabled, this.action(request, optionalIfMatch(ifMatch))), toClientResponse);
  }

  /** The actor, the versions the caller read, and the admin-scope rule applied to the client as it is (and will be). */
  private action(request: AdminRequest, expectedVersions: number[] | undefined): ClientAction {
    return this.approvedAction(request.admin!.roles, adminEventContext(request), expectedVersions);
  }

  /** The same rules for whoever acts: a caller, or the approver of a pending change. */
  private approvedAction(roles: readonly AdminRole[], context: AdminEventContext, expectedVersions: number[] | undefined): ClientAction {
    return {
      actor: context.actor,
      correlationId: context.correlationId,
      expectedVersions,
      authorize: (current: ClientRecord, next?: ClientRegistration) => {
        if (isReservedClientId(current.clientId)) throw builtInClientForbidden(current.clientId);
        if (!mayHandleAdminScopes(roles, [...current.resourceScopes, ...(next?.resourceScopes ?? [])])) throw adminScopesForbidden();
      },
    };
  }
}

/** The service's own clients (the account app, the admin console) are kept by the service: no role changes them here. */
function builtInClientForbidden(clientId: string): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: `${clientId} is a built-in client: the service keeps its registration, so it cannot be changed, disabled or deleted here`,
  });
}

function adminScopesForbidden(): ProblemError {
  return new ProblemError({
    type: 'about:blank',
    title: 'Forbidden',
    status: 403,
    detail: 'only super-admin may register or change a client whose scope ceiling holds admin scopes',
  });
}

/** The clients module's errors on the admin surface. */
export function clientsProblem(err: ClientsError): Problem {
  switch (err.code) {
    case ClientsErrorCode.INVALID_CLIENT_METADATA:
    case ClientsErrorCode.INVALID_RESOURCE_SERVER:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'the request has invalid fields', errors: err.fields };
    case ClientsErrorCode.CLIENT_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case ClientsErrorCode.VERSION_MISMATCH:
      return {
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: 'the client changed since you read it: GET it again, reapply your change and send the new ETag',
      };
    case ClientsErrorCode.CLIENT_ALREADY_EXISTS:
    case ClientsErrorCode.RESOURCE_SERVER_ALREADY_EXISTS:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: `${err.message}; ids are never reused` };
    case ClientsErrorCode.NO_CLIENT_SECRET:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
    default:
      return assertNever(err.code);
  }
}

export const clientsProblems = problemMapping(ClientsError, clientsProblem);
