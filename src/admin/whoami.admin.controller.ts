import { Controller, Get, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminRoute } from './admin.decorators.js';
import type { AdminRequest } from './admin-auth.guard.js';

/** Lets automation check which principal and roles its token carries before it acts. */
@ApiTags('admin')
@Controller('admin/v1/whoami')
export class WhoAmIController {
  @Get()
  @AdminRoute('user-admin', 'client-admin', 'key-admin', 'auditor')
  @ApiOperation({ summary: 'The caller as the admin API sees it: principal kind, id, client and roles' })
  @ApiOkResponse({ description: 'the authenticated principal' })
  whoami(@Req() request: AdminRequest) {
    const admin = request.admin!;
    return { kind: admin.kind, id: admin.id, clientId: admin.clientId, roles: admin.roles };
  }
}
