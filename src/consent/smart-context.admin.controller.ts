import { Body, Controller, Get, Headers, Inject, Param, Put, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { AdminRoute, adminEventContext, ApiIfMatch, ApiProblems, withETag, type AdminRequest } from '../admin/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { assertMayActOnUser, IdentityService } from '../identity/index.js';
import { putPreconditions } from './consent.admin.controller.js';
import { ConsentError, ConsentErrorCode } from './consent.errors.js';
import { smartContextBodySchema, smartContextResponseSchema, toSmartContextResponse, userIdParam } from './dto/consent-admin.dto.js';
import { SmartContextService } from './smart-context.service.js';

/**
 * /admin/v1/users/{id}/smart-context: the user's fhirUser and the patient records they may open
 * in a standalone SMART launch (the patient picker). user-admin sets it, auditor reads.
 */
@ApiTags('consent')
@Controller('admin/v1/users/:userId/smart-context')
export class SmartContextAdminController {
  constructor(
    private readonly smart: SmartContextService,
    private readonly identity: IdentityService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @AdminRoute('user-admin', 'auditor')
  @ApiOperation({ summary: "A user's SMART context (fhirUser and the patients they may open)" })
  @ApiResponse({ status: 200, description: 'the SMART context', standardSchema: smartContextResponseSchema })
  @ApiProblems(400, 404)
  async get(@Param('userId', { schema: userIdParam }) userId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const context = await this.smart.get(userId);
    if (!context) throw new ConsentError(ConsentErrorCode.USER_NOT_FOUND, 'this user has no SMART context yet');
    return withETag(reply, context, toSmartContextResponse);
  }

  @Put()
  @AdminRoute('user-admin')
  @ApiIfMatch(false)
  @ApiOperation({ summary: "Set a user's SMART context (replaces it whole); If-Match once it exists" })
  @ApiResponse({ status: 200, description: 'the SMART context', standardSchema: smartContextResponseSchema })
  @ApiProblems(400, 404, 412, 428)
  async put(
    @Param('userId', { schema: userIdParam }) userId: string,
    @Body({ schema: smartContextBodySchema }) body: z.output<typeof smartContextBodySchema>,
    @Headers('if-match') ifMatch: string | undefined,
    @Req() request: AdminRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    // Who a protected-role holder is in the health record is super-admin's to say, like the rest of them.
    await assertMayActOnUser(this.identity, request.admin!.roles, this.config.breakGlass.role, userId, 'set the SMART context');
    const current = await this.smart.get(userId);
    const { actor, correlationId } = adminEventContext(request);
    return withETag(reply, await this.smart.replace(userId, body, putPreconditions(ifMatch, Boolean(current)), actor, correlationId), toSmartContextResponse);
  }
}
