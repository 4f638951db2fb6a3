import { Body, Controller, Inject, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { z } from 'zod';
import { AdminRoute, adminEventContext, ApiProblems, badRequest, ProblemError, type AdminRequest } from '../admin/index.js';
import { APP_CONFIG, type AppConfig } from '../config/index.js';
import { CONSENT_PROVIDER, type ConsentProvider } from './consent-ports.js';
import { createLaunchSchema, launchResponseSchema } from './dto/smart-launch.dto.js';
import { SmartLaunchService } from './smart-launch.service.js';

/**
 * /admin/v1/smart/launches: an EHR (a client holding admin:smart-launch, which only super-admin
 * grants) creates the launch context of a SMART app it opens: patient, encounter, fhirContext,
 * for one app, one FHIR server and one user. 404 while SMART_EHR_LAUNCH is off.
 */
@ApiTags('consent')
@Controller('admin/v1/smart/launches')
export class SmartLaunchAdminController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly launches: SmartLaunchService,
    @Inject(CONSENT_PROVIDER) private readonly provider: ConsentProvider,
  ) {}

  @Post()
  @AdminRoute('smart-launch')
  @ApiOperation({ summary: 'Create a SMART EHR launch for an app: an opaque single-use value valid SMART_LAUNCH_TTL_SECONDS' })
  @ApiResponse({ status: 201, description: 'the launch value (shown once) and the iss to give the app', standardSchema: launchResponseSchema })
  @ApiProblems(400, 404)
  async create(@Body({ schema: createLaunchSchema }) body: z.output<typeof createLaunchSchema>, @Req() request: AdminRequest) {
    if (!this.launches.enabled) {
      throw new ProblemError({ type: 'about:blank', title: 'Not Found', status: 404, detail: 'EHR launch is not enabled on this server (SMART_EHR_LAUNCH)' });
    }
    const fhirBase = this.config.smart.fhirBaseUrls.find((b) => b === body.fhirBase.replace(/\/+$/, ''));
    if (!fhirBase) throw badRequest([{ field: 'fhirBase', message: 'is not one of the FHIR servers of this service (FHIR_BASE_URLS)' }]);
    if (!(await this.provider.findApp(body.clientId))) throw badRequest([{ field: 'clientId', message: 'is not a registered app' }]);
    const { actor, correlationId } = adminEventContext(request);
    const created = await this.launches.create(
      {
        clientId: body.clientId,
        fhirBase,
        userId: body.userId ?? null,
        fhirUser: body.fhirUser ?? null,
        context: {
          patient: body.patient,
          encounter: body.encounter ?? null,
          fhirContext: body.fhirContext,
          intent: body.intent ?? null,
          needPatientBanner: body.needPatientBanner ?? null,
          smartStyleUrl: body.smartStyleUrl ?? null,
        },
      },
      actor,
      correlationId,
    );
    return { id: created.id, launch: created.launch, iss: fhirBase, clientId: body.clientId, expiresAt: created.expiresAt.toISOString() };
  }
}
