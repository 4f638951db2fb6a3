import { Body, Controller, Get, Headers, HttpCode, Logger, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { calculateJwkThumbprint } from 'jose';
import type { z } from 'zod';
import {
  AdminRoute,
  adminEventContext,
  ApiIfMatch,
  ApiProblems,
  assertNever,
  badRequest,
  withETag,
  optionalIfMatch,
  pageSchema,
  preconditionFailed,
  problemMapping,
  toPage,
  type AdminRequest,
  type Page,
  type Problem,
} from '../admin/index.js';
import {
  importBody,
  kekRotationResponse,
  keyResponseSchema,
  kidParam,
  listKeysQuery,
  revokeBody,
  revokeResponse,
  rotateBody,
  rotateResponse,
  scheduleBody,
  scheduleResponse,
} from './dto/keys-admin.dto.js';
import { acceptedForApproval, ApiPendingApproval, ApprovalsService } from '../approvals/index.js';
import { KekRotationService } from './kek-rotation.service.js';
import { importSigningKey } from './key-import.js';
import { KeyLifecycleService } from './key-lifecycle.service.js';
import { KeysError, KeysErrorCode } from './keys.errors.js';
import { toKeyResponse, toScheduleResponse, type KeyResponse } from './keys.mappers.js';
import { scheduleProblems } from './schedule-rules.js';

const logger = new Logger('KeysAdmin');

/**
 * /admin/v1/keys: signing keys (public parts only), rotation, revocation, import, the rotation
 * schedule and key-encryption key rotation. key-admin acts; auditor reads. Every change is
 * audited through the keys.* events it emits, with the administrator as actor.
 */
@ApiTags('keys')
@Controller('admin/v1/keys')
export class KeysAdminController {
  constructor(
    private readonly lifecycle: KeyLifecycleService,
    private readonly kek: KekRotationService,
    private readonly approvals: ApprovalsService,
  ) {
    // Dual control: each stored act runs exactly as its route would have, with the approver as actor.
    approvals.register('keys.import', async ({ state, ...input }: z.output<typeof importBody>, context) => {
      const stored = await this.lifecycle.importKey(input, state, context);
      return toKeyResponse(stored, await this.lifecycle.listKeys(), await this.lifecycle.getSchedule());
    });
    approvals.register('keys.revoke', async (act: { kid: string; reason: z.output<typeof revokeBody>['reason'] }, context) => ({
      ...(await this.lifecycle.revoke(act.kid, act.reason, context)),
      state: 'revoked' as const,
    }));
    approvals.register('keys.kek.rotate', async (_act: unknown, context) => this.kek.rotateKek(context));
  }

  @Get()
  @AdminRoute('key-admin', 'auditor')
  @ApiOperation({ summary: 'Signing keys, newest first: state, algorithm, kid, lifecycle times and public JWK only' })
  @ApiResponse({ status: 200, description: 'a page of keys', standardSchema: pageSchema(keyResponseSchema) })
  @ApiProblems(400)
  async list(@Query({ schema: listKeysQuery }) query: z.output<typeof listKeysQuery>): Promise<Page<KeyResponse>> {
    // A handful of keys per algorithm and year: filtering and paging in memory is cheaper than it looks.
    const [all, schedule] = await Promise.all([this.lifecycle.listKeys(), this.lifecycle.getSchedule()]);
    const after = query.cursor;
    const rows = all
      .filter((k) => (!query.state || k.state === query.state) && (!query.alg || k.alg === query.alg))
      .filter((k) => !after || k.createdAt.toISOString() < after.c || (k.createdAt.toISOString() === after.c && k.kid > after.kid));
    return toPage(
      rows.slice(0, query.limit + 1),
      query.limit,
      (k) => ({ c: k.createdAt.toISOString(), kid: k.kid }),
      (k) => toKeyResponse(k, all, schedule),
    );
  }

  @Get('schedule')
  @AdminRoute('key-admin', 'auditor')
  @ApiOperation({ summary: 'The rotation schedule in force (from the environment, or as set here); its ETag is what PUT sends in If-Match' })
  @ApiResponse({ status: 200, description: 'the schedule', standardSchema: scheduleResponse })
  async schedule(@Res({ passthrough: true }) reply: FastifyReply) {
    return withETag(reply, await this.lifecycle.getSchedule(), toScheduleResponse);
  }

  @Put('schedule')
  @AdminRoute('key-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: 'Sets the rotation interval and the pre-publication window for the whole cluster' })
  @ApiResponse({ status: 200, description: 'the schedule now in force', standardSchema: scheduleResponse })
  @ApiProblems(400, 412)
  async setSchedule(
    @Body({ schema: scheduleBody }) body: z.output<typeof scheduleBody>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const current = await this.lifecycle.getSchedule();
    const problems = scheduleProblems(body, current.jwksMaxAgeSeconds);
    if (problems.length) throw badRequest(problems, 'the schedule is not acceptable');
    return withETag(reply, await this.lifecycle.updateSchedule(body, adminEventContext(request), optionalIfMatch(ifMatch)), toScheduleResponse);
  }

  @Post('rotate')
  @HttpCode(200)
  @AdminRoute('key-admin')
  @ApiOperation({
    summary:
      'Rotate now: a next key is published and signs once it has been published for the pre-publication window; immediate: true makes it sign at once',
  })
  @ApiResponse({ status: 200, description: 'the keys in charge and when the next one signs', standardSchema: rotateResponse })
  @ApiProblems(400)
  async rotate(@Body({ schema: rotateBody }) body: z.output<typeof rotateBody>, @Req() request: AdminRequest) {
    const outcome = await this.lifecycle.rotateNow(body.alg, body.immediate, adminEventContext(request));
    return { ...outcome, activatesAt: outcome.activatesAt?.toISOString() ?? null };
  }

  @Post('import')
  @HttpCode(201)
  // Super-admin only: whoever brings key material of their own could sign whatever they like with it.
  @AdminRoute()
  @ApiOperation({ summary: 'Import a private key (PEM or JWK) from another identity provider, as next (default) or active (super-admin only)' })
  @ApiResponse({ status: 201, description: 'the imported key (public part only)', standardSchema: keyResponseSchema })
  @ApiPendingApproval()
  @ApiProblems(400, 409)
  async importKey(
    @Body({ schema: importBody }) body: z.output<typeof importBody>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { state, ...input } = body;
    if (await this.approvals.dualControlOn()) {
      // Checked now (a bad key is a 400 at once), and the approver sees which key material it is.
      const imported = await importSigningKey(input);
      const thumbprint = await calculateJwkThumbprint(imported.publicJwk, 'sha256');
      const pending = await this.approvals.gate(request, {
        kind: 'keys.import',
        summary: `import ${imported.alg} signing key ${imported.kid} as ${state}`,
        details: { kid: imported.kid, alg: imported.alg, state, thumbprint, source: input.pem !== undefined ? 'pem' : 'jwk' },
        act: body,
      });
      if (pending) return acceptedForApproval(reply, pending);
    }
    const stored = await this.lifecycle.importKey(input, state, adminEventContext(request));
    return toKeyResponse(stored, await this.lifecycle.listKeys(), await this.lifecycle.getSchedule());
  }

  @Post('kek/rotate')
  @HttpCode(200)
  @AdminRoute('key-admin')
  @ApiOperation({
    summary: 'Re-seal every signing key and secret under KEY_ENCRYPTION_KEY (once every instance runs with KEY_ENCRYPTION_KEY_PREVIOUS)',
  })
  @ApiResponse({ status: 200, description: 'how many rows were re-sealed', standardSchema: kekRotationResponse })
  @ApiPendingApproval()
  async rotateKek(@Req() request: AdminRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const pending = await this.approvals.gate(request, { kind: 'keys.kek.rotate', summary: 'rotate the key-encryption key', details: {}, act: {} });
    if (pending) return acceptedForApproval(reply, pending);
    return this.kek.rotateKek(adminEventContext(request));
  }

  @Get(':kid')
  @AdminRoute('key-admin', 'auditor')
  @ApiOperation({ summary: 'One signing key (public part only)' })
  @ApiResponse({ status: 200, description: 'the key', standardSchema: keyResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('kid', { schema: kidParam }) kid: string) {
    const key = await this.lifecycle.getKey(kid);
    return toKeyResponse(key, await this.lifecycle.listKeys(), await this.lifecycle.getSchedule());
  }

  @Post(':kid/revoke')
  @HttpCode(200)
  @AdminRoute('key-admin')
  @ApiOperation({
    summary: 'Revoke a key: out of /jwks at once, its tokens inactive at introspection; an active key is replaced at once',
  })
  @ApiResponse({ status: 200, description: 'the revocation and the key now in charge', standardSchema: revokeResponse })
  @ApiPendingApproval()
  @ApiProblems(400, 404, 409)
  async revoke(
    @Param('kid', { schema: kidParam }) kid: string,
    @Body({ schema: revokeBody }) body: z.output<typeof revokeBody>,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.lifecycle.getKey(kid); // 404 now, not after a day of waiting for approval
    const pending = await this.approvals.gate(request, {
      kind: 'keys.revoke',
      summary: `revoke signing key ${kid}`,
      details: { kid, reason: body.reason },
      act: { kid, reason: body.reason },
    });
    if (pending) return acceptedForApproval(reply, pending);
    const outcome = await this.lifecycle.revoke(kid, body.reason, adminEventContext(request));
    return { ...outcome, state: 'revoked' as const };
  }
}

/** The keys module's errors on the admin surface. */
export function keysProblem(err: KeysError): Problem {
  switch (err.code) {
    case KeysErrorCode.KEY_NOT_FOUND:
      return { type: 'about:blank', title: 'Not Found', status: 404, detail: err.message };
    case KeysErrorCode.KEY_ALREADY_EXISTS:
    case KeysErrorCode.INVALID_STATE:
      return { type: 'about:blank', title: 'Conflict', status: 409, detail: err.message };
    case KeysErrorCode.INVALID_KEY:
    case KeysErrorCode.INVALID_SCHEDULE:
      return badRequest([{ field: err.field ?? 'body', message: err.message }], 'the request has invalid fields').problem;
    case KeysErrorCode.VERSION_MISMATCH:
      return preconditionFailed().problem;
    case KeysErrorCode.KEK_MISMATCH:
    case KeysErrorCode.UNSEAL_FAILED:
    case KeysErrorCode.NO_ACTIVE_KEY:
      logger.error({ err }, 'signing key material is unusable');
      return { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'signing key material is unusable; see the service log' };
    default:
      return assertNever(err.code);
  }
}

export const keysProblems = problemMapping(KeysError, keysProblem);
