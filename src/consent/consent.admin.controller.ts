import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiIfMatch,
  ApiProblems,
  assertNever,
  etagOf,
  mayHandleAdminScopes,
  ProblemError,
  withETag,
  pageQuery,
  pageSchema,
  parseIfMatch,
  preconditionFailed,
  preconditionRequired,
  problemMapping,
  toPage,
  type AdminRequest,
  type Page,
  type Problem,
} from '../admin/index.js';
import { isReservedClientId } from '../clients/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { assertMayActOnUser, IdentityService } from '../identity/index.js';
import { ClientPolicyService } from './client-policy.service.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import { ConsentService } from './consent.service.js';
import {
  clientIdParam,
  clientPolicyBodySchema,
  clientPolicyResponseSchema,
  customScopeBodySchema,
  grantIdParam,
  grantListQuerySchema,
  grantResponseSchema,
  scopeNameParam,
  scopeResponseSchema,
  toClientPolicyResponse,
  toGrantResponse,
  toScopeResponse,
  userIdParam,
} from './dto/consent-admin.dto.js';
import { ScopeCatalogueService } from './scope-catalogue.service.js';

/**
 * Versions a create-or-replace (PUT) must name. Rules: a resource that does not exist yet may
 * be created without If-Match; once it exists, If-Match with its ETag is required (428 without,
 * 412 when stale), so two administrators never overwrite each other unseen.
 */
export function putPreconditions(header: string | undefined, exists: boolean): number[] | undefined {
  const parsed = parseIfMatch(header);
  if (parsed.kind === 'versions') {
    if (!parsed.versions.length) throw preconditionFailed();
    return parsed.versions;
  }
  if (exists) throw preconditionRequired();
  return [0];
}

/**
 * /admin/v1/users/{id}/grants: the apps a user has allowed, and taking them back. user-admin
 * revokes, auditor reads. Revoking revokes every token issued under the grant and notifies the
 * app by back-channel logout where it registered for it.
 */
@ApiTags('consent')
@Controller('admin/v1/users/:userId/grants')
export class UserGrantsAdminController {
  constructor(
    private readonly consent: ConsentService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: "A user's grants to apps, oldest first (cursor pagination); revoked ones with status=all" })
  @ApiResponse({ status: 200, description: 'a page of grants', standardSchema: pageSchema(grantResponseSchema) })
  @ApiProblems(400, 404)
  async list(
    @Param('userId', { schema: userIdParam }) userId: string,
    @Query({ schema: grantListQuerySchema }) query: z.output<typeof grantListQuerySchema>,
  ): Promise<Page<z.output<typeof grantResponseSchema>>> {
    await this.requireUser(userId);
    const rows = await this.consent.listForUser(userId, {
      limit: query.limit + 1,
      after: query.cursor ? { createdAt: query.cursor.c, id: query.cursor.id } : undefined,
      liveOnly: query.status === 'active',
    });
    return toPage(rows, query.limit, (g) => ({ c: g.createdAt.toISOString(), id: g.id }), (g) => toGrantResponse(g));
  }

  @Get(':grantId')
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: 'One grant of the user' })
  @ApiResponse({ status: 200, description: 'the grant', standardSchema: grantResponseSchema })
  @ApiProblems(400, 404)
  async get(
    @Param('userId', { schema: userIdParam }) userId: string,
    @Param('grantId', { schema: grantIdParam }) grantId: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return withETag(reply, await this.consent.get(userId, grantId), toGrantResponse);
  }

  @Delete(':grantId')
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: "Revoke a grant: the app's tokens under it stop working at once; revoking twice is harmless" })
  @ApiResponse({ status: 204, description: 'revoked' })
  @ApiProblems(400, 404)
  async revoke(
    @Param('userId', { schema: userIdParam }) userId: string,
    @Param('grantId', { schema: grantIdParam }) grantId: string,
    @Req() request: AdminRequest,
  ): Promise<void> {
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, userId);
    const { actor, correlationId } = adminEventContext(request);
    await this.consent.revoke(userId, grantId, 'admin', actor, correlationId);
  }

  @Delete()
  @HttpCode(204)
  @AdminRoute('user-admin')
  @ApiOperation({ summary: "Revoke every grant of the user (offboarding): every app's tokens stop working at once" })
  @ApiResponse({ status: 204, description: 'all revoked' })
  @ApiProblems(400, 404)
  async revokeAll(@Param('userId', { schema: userIdParam }) userId: string, @Req() request: AdminRequest): Promise<void> {
    await this.requireUser(userId);
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, userId);
    const { actor, correlationId } = adminEventContext(request);
    for (;;) {
      const live = await this.consent.listForUser(userId, { limit: 100, liveOnly: true });
      if (!live.length) return;
      for (const grant of live) await this.consent.revoke(userId, grant.id, 'admin', actor, correlationId);
    }
  }

  private async requireUser(userId: string): Promise<void> {
    if (!(await this.identity.findById(userId))) throw new ConsentError(ConsentErrorCode.USER_NOT_FOUND, 'no such user');
  }
}

/**
 * /admin/v1/clients/{id}/consent-policy: whether an app is a trusted first-party app that skips
 * the consent page, next to its scope ceiling (the client's resourceScopes). client-admin
 * changes it (super-admin only for a client whose ceiling holds admin scopes), auditor reads.
 */
@ApiTags('consent')
@Controller('admin/v1/clients/:clientId/consent-policy')
export class ClientConsentPolicyAdminController {
  constructor(private readonly policies: ClientPolicyService) {}

  @Get()
  @AdminRoute('client-admin', 'auditor')
  @ApiOperation({ summary: "An app's consent policy and scope ceiling" })
  @ApiResponse({ status: 200, description: 'the policy', standardSchema: clientPolicyResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('clientId', { schema: clientIdParam }) clientId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const policy = await this.policies.get(clientId);
    if (policy.version) reply.header('ETag', etagOf(policy.version));
    return toClientPolicyResponse(policy);
  }

  @Put()
  @AdminRoute('client-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Mark an app first-party (consent page skipped, each skip audited) or not; If-Match once a policy exists' })
  @ApiResponse({ status: 200, description: 'the policy', standardSchema: clientPolicyResponseSchema })
  @ApiProblems(400, 404, 412, 428)
  async put(
    @Param('clientId', { schema: clientIdParam }) clientId: string,
    @Body({ schema: clientPolicyBodySchema }) body: z.output<typeof clientPolicyBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // The service keeps its built-in clients' policy (first-party) itself, as their registration.
    if (isReservedClientId(clientId)) {
      throw new ProblemError({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: `${clientId} is a built-in client: the service keeps its consent policy, so it cannot be changed here`,
      });
    }
    const current = await this.policies.get(clientId);
    // As for every other client route: a client whose ceiling holds admin scopes is super-admin's alone.
    if (!mayHandleAdminScopes(request.admin!.roles, current.ceiling)) {
      throw new ProblemError({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'only super-admin may register or change a client whose scope ceiling holds admin scopes',
      });
    }
    const expected = putPreconditions(ifMatch, current.version > 0);
    const { actor, correlationId } = adminEventContext(request);
    return withETag(reply, await this.policies.setFirstParty(clientId, body.firstParty, expected, actor, correlationId), toClientPolicyResponse);
  }
}

const scopeListQuerySchema = pageQuery(z.string().max(200));

/**
 * /admin/v1/scopes: the scope catalogue (OpenID Connect, SMART, and custom scopes with the
 * sentence the consent page shows). client-admin defines custom scopes, auditor reads.
 */
@ApiTags('consent')
@Controller('admin/v1/scopes')
export class ScopesAdminController {
  constructor(private readonly catalogue: ScopeCatalogueService) {}

  @Get()
  @AdminRoute('client-admin', 'auditor')
  @ApiOperation({ summary: 'The scope catalogue by name (cursor pagination); SMART clinical scopes are described from their parts' })
  @ApiResponse({ status: 200, description: 'a page of scopes', standardSchema: pageSchema(scopeResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: scopeListQuerySchema }) query: z.output<typeof scopeListQuerySchema>): Promise<Page<z.output<typeof scopeResponseSchema>>> {
    const all = (await this.catalogue.list()).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const rows = all.filter((s) => query.cursor === undefined || s.name > query.cursor).slice(0, query.limit + 1);
    return toPage(rows, query.limit, (s) => s.name, toScopeResponse);
  }

  @Get(':name')
  @AdminRoute('client-admin', 'auditor')
  @ApiOperation({ summary: 'One custom scope' })
  @ApiResponse({ status: 200, description: 'the scope', standardSchema: scopeResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('name', { schema: scopeNameParam }) name: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const scope = await this.catalogue.getCustom(name);
    reply.header('ETag', etagOf(scope.version));
    return toScopeResponse({ ...scope, source: 'custom' });
  }

  @Put(':name')
  @AdminRoute('client-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Define or change a custom scope and its plain-language description; If-Match once it exists' })
  @ApiResponse({ status: 200, description: 'the scope', standardSchema: scopeResponseSchema })
  @ApiProblems(400, 412, 428)
  async put(
    @Param('name', { schema: scopeNameParam }) name: string,
    @Body({ schema: customScopeBodySchema }) body: z.output<typeof customScopeBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const exists = await this.catalogue.getCustom(name).then(
      () => true,
      () => false,
    );
    const { actor, correlationId } = adminEventContext(request);
    const { scope } = await this.catalogue.save({ name, ...body }, putPreconditions(ifMatch, exists), actor, correlationId);
    reply.header('ETag', etagOf(scope.version));
    return toScopeResponse({ ...scope, source: 'custom' });
  }

  @Delete(':name')
  @HttpCode(204)
  @AdminRoute('client-admin')
  @ApiOperation({ summary: 'Delete a custom scope description (the consent page then shows the scope by its name)' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(400, 404)
  async delete(@Param('name', { schema: scopeNameParam }) name: string, @Req() request: AdminRequest): Promise<void> {
    const { actor, correlationId } = adminEventContext(request);
    await this.catalogue.delete(name, actor, correlationId);
  }
}

/** The consent module's errors on the admin surface. */
export function consentProblem(err: ConsentError): Problem {
  switch (err.code) {
    case ConsentErrorCode.GRANT_NOT_FOUND:
    case ConsentErrorCode.USER_NOT_FOUND:
    case ConsentErrorCode.SCOPE_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case ConsentErrorCode.RESERVED_SCOPE:
      return {
        type: 'about:blank',
        title: 'Bad Request',
        status: 400,
        detail: err.message,
        errors: [{ field: err.field ?? 'name', message: err.message }],
      };
    case ConsentErrorCode.VERSION_MISMATCH:
      return preconditionFailed(err.currentVersion).problem;
    default:
      return assertNever(err.code);
  }
}

export const consentProblems = problemMapping(ConsentError, consentProblem);
