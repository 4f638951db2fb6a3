import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Patch, Post, Req, Res } from '@nestjs/common';
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
  withETag,
  Idempotent,
  optionalIfMatch,
  problemMapping,
  protectedRolesIn,
  requireIfMatch,
  type AdminRequest,
  type Problem,
} from '../admin/index.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService } from '../approvals/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { FederationError, FederationErrorCode } from './federation.errors.js';
import { createIdpSchema, idpIdSchema, idpResponseSchema, updateIdpSchema } from './federation.schemas.js';
import { IdentityProvidersService, toIdpResponse } from './identity-providers.service.js';

const path = (id: string) => `/admin/v1/identity-providers/${encodeURIComponent(id)}`;

/** Fields whose change can never let an upstream account become someone here (cosmetic, or switching the IdP off). */
const HARMLESS_FIELDS = new Set(['displayName', 'logoUri']);

/**
 * /admin/v1/identity-providers: the hospital's upstream IdPs. super-admin only: an IdP decides
 * who may become which user with which roles. Client secrets and keys are write-only.
 */
@ApiTags('identity-providers')
@Controller('admin/v1/identity-providers')
export class IdentityProvidersAdminController {
  constructor(
    private readonly idps: IdentityProvidersService,
    private readonly approvals: ApprovalsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Dual control: the stored create or change runs as the route would have, the approver acting.
    approvals.register('identity-providers.create', async (body: z.output<typeof createIdpSchema>, context) => toIdpResponse(await this.idps.create(body, context)));
    approvals.register(
      'identity-providers.update',
      async (act: { id: string; patch: z.output<typeof updateIdpSchema>; expectedVersions: number[] }, context) =>
        toIdpResponse(await this.idps.update(act.id, act.patch, act.expectedVersions, context)),
    );
  }

  /**
   * What makes an IdP a way to become a protected-role holder: a role mapping that grants a
   * protected role (an upstream group becomes super-admin), or linking (an upstream account
   * becomes an existing local user, a super-admin among them). Under dual control such an IdP
   * is created or changed only with a second super-admin's approval.
   */
  private risk(next: { roleMapping: Record<string, string[]>; allowLinking: boolean }): { granted: string[]; allowLinking: boolean } | null {
    const granted = [...new Set(protectedRolesIn(Object.values(next.roleMapping).flat(), this.config.breakGlass.role))];
    return granted.length || next.allowLinking ? { granted, allowLinking: next.allowLinking } : null;
  }

  @Post()
  @AdminRoute('super-admin')
  @Idempotent()
  @ApiOperation({ summary: 'Add an upstream identity provider (its client secret or private key is stored sealed and never returned)' })
  @ApiResponse({ status: 201, description: 'the identity provider', standardSchema: idpResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 409, 413, 415)
  async create(
    @Body({ schema: createIdpSchema }) body: z.output<typeof createIdpSchema>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const risk = this.risk(body);
    if (risk) {
      const pending = await this.approvals.gate(request, {
        kind: 'identity-providers.create',
        summary: `add identity provider ${body.id} (${[...(risk.granted.length ? [`maps to ${risk.granted.join(', ')}`] : []), ...(risk.allowLinking ? ['links accounts'] : [])].join(', ')})`,
        details: { id: body.id, issuer: body.issuer, roleMapping: body.roleMapping, granted: risk.granted, allowLinking: risk.allowLinking, trustUpstreamMfa: body.trustUpstreamMfa },
        act: body,
      });
      if (pending) return acceptedForApproval(reply, pending);
    }
    const row = await this.idps.create(body, adminEventContext(request));
    reply.header('Location', path(row.id)).header('ETag', etagOf(row.version));
    return toIdpResponse(row);
  }

  @Get()
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: 'Every upstream identity provider' })
  @ApiResponse({ status: 200, description: 'the identity providers', standardSchema: z.object({ items: z.array(idpResponseSchema) }) })
  async list() {
    return { items: (await this.idps.list()).map(toIdpResponse) };
  }

  @Get(':id')
  @AdminRoute('super-admin', 'auditor')
  @ApiOperation({ summary: 'One identity provider; its ETag is what an update sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the identity provider', standardSchema: idpResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('id', { schema: idpIdSchema }) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.idps.get(id), toIdpResponse);
  }

  @Patch(':id')
  @AdminRoute('super-admin')
  @ApiIfMatch(true)
  @ApiOperation({ summary: 'Change some fields of an identity provider (not its id)' })
  @ApiResponse({ status: 200, description: 'the updated identity provider', standardSchema: idpResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 404, 412, 428)
  async update(
    @Param('id', { schema: idpIdSchema }) id: string,
    @Body({ schema: updateIdpSchema }) patch: z.output<typeof updateIdpSchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const expectedVersions = requireIfMatch(ifMatch);
    const harmless = Object.keys(patch).every((f) => HARMLESS_FIELDS.has(f)) || (Object.keys(patch).length === 1 && patch.enabled === false);
    if (!harmless && (await this.approvals.dualControlOn())) {
      const current = await this.idps.get(id);
      const risk = this.risk({ roleMapping: patch.roleMapping ?? current.roleMapping, allowLinking: patch.allowLinking ?? current.allowLinking });
      if (risk) {
        const { clientSecret: _secret, privateJwk: _key, ...shown } = patch;
        const pending = await this.approvals.gate(request, {
          kind: 'identity-providers.update',
          summary: `change identity provider ${id} (${[...(risk.granted.length ? [`maps to ${risk.granted.join(', ')}`] : []), ...(risk.allowLinking ? ['links accounts'] : [])].join(', ')})`,
          details: { id, patch: shown, credentialsChanged: patch.clientSecret !== undefined || patch.privateJwk !== undefined, granted: risk.granted, allowLinking: risk.allowLinking },
          act: { id, patch, expectedVersions },
        });
        if (pending) return acceptedForApproval(reply, pending);
      }
    }
    return withETag(reply, await this.idps.update(id, patch, expectedVersions, adminEventContext(request)), toIdpResponse);
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminRoute('super-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Remove an identity provider; its links to local users go with it (the users stay)' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiProblems(404, 412)
  async delete(
    @Param('id', { schema: idpIdSchema }) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
  ): Promise<void> {
    await this.idps.delete(id, optionalIfMatch(ifMatch), adminEventContext(request));
  }
}

/** The federation module's errors on the admin surface. */
export function federationProblem(err: FederationError): Problem {
  switch (err.code) {
    case FederationErrorCode.INVALID_IDP:
      return { type: 'about:blank', title: 'Bad Request', status: 400, detail: 'the request has invalid fields', errors: err.fields };
    case FederationErrorCode.IDP_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case FederationErrorCode.VERSION_MISMATCH:
      return {
        type: 'about:blank',
        title: 'Precondition Failed',
        status: 412,
        detail: 'the identity provider changed since you read it: GET it again, reapply your change and send the new ETag',
      };
    case FederationErrorCode.IDP_ALREADY_EXISTS:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
    case FederationErrorCode.SIGN_IN_FAILED:
      return { type: 'about:blank', title: 'Bad Gateway', status: 502, detail: 'the upstream identity provider could not be used' };
    default:
      return assertNever(err.code);
  }
}

export const federationProblems = problemMapping(FederationError, federationProblem);
