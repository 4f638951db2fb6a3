import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { z } from 'zod';

/** RFC 9457 problem details as the admin API sends them. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  instance: z.string().optional(),
  errors: z
    .array(z.object({ field: z.string(), message: z.string() }))
    .optional()
    .describe('one entry per bad field (400 only)'),
});

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'malformed input; `errors` names each bad field',
  401: 'missing or invalid bearer token',
  403: 'the token lacks a required role',
  404: 'no such resource',
  409: 'conflicts with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'the body is too large',
  415: 'the body is not JSON',
  422: 'the Idempotency-Key was used with a different request',
  428: 'If-Match is required',
  503: 'the audit record could not be written; nothing was changed',
};

const problemJsonSchema = (() => {
  const { $schema: _ignored, ...schema } = z.toJSONSchema(problemSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return schema;
})();

/** Documents problem+json error responses of a route (@AdminRoute adds 401 and 403). */
export function ApiProblems(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: `${PROBLEM_DESCRIPTIONS[status] ?? 'error'} (problem+json)`,
        content: { 'application/problem+json': { schema: problemJsonSchema } },
      }),
    ),
  );
}

/** Documents the If-Match header of an update (required) or an action (optional). */
export function ApiIfMatch(required: boolean) {
  return ApiHeader({
    name: 'If-Match',
    required,
    description: required
      ? 'the ETag from your last read; 428 without it, 412 when the resource changed since'
      : 'optional: the ETag from your last read; 412 when the resource changed since',
  });
}
