import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ProblemError, type Problem } from './problem.filter.js';

export type FieldError = { field: string; message: string };
type Location = ArgumentMetadata['type'] | 'header';

/**
 * Rules: a field is named by its path in the body (`redirectUris.1`), or by the parameter's
 * own name for a path, query or header value (`clientId`, `limit`); an unknown key is named
 * itself; an error about the whole body is named `body`.
 */
export function fieldErrors(issues: readonly StandardSchemaV1.Issue[], location: Location, name?: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of issues) {
    const path = (issue.path ?? []).map((s) => String(typeof s === 'object' ? s.key : s));
    const base = name ? [name, ...path] : path;
    const keys = (issue as { keys?: unknown }).keys;
    if (Array.isArray(keys) && keys.length) {
      for (const key of keys) errors.push({ field: [...base, String(key)].join('.'), message: 'is not a known field' });
      continue;
    }
    errors.push({ field: base.length ? base.join('.') : location === 'body' ? 'body' : location, message: issue.message });
  }
  return errors;
}

export function badRequest(errors: FieldError[], detail = 'the request has invalid fields'): ProblemError {
  const problem: Problem = { type: 'about:blank', title: 'Bad Request', status: 400, detail, errors };
  return new ProblemError(problem);
}

/**
 * Validates a value against a schema outside a parameter decorator (headers, values a
 * controller assembles itself) with the same 400 problem as the pipe.
 */
export function parseOrThrow<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  location: Location,
  name?: string,
): StandardSchemaV1.InferOutput<S> {
  const result = schema['~standard'].validate(value);
  if (result instanceof Promise) throw new TypeError('asynchronous schemas are not supported here');
  if (result.issues) throw badRequest(fieldErrors(result.issues, location, name));
  return result.value;
}

/**
 * Validates every admin route parameter that carries a Standard Schema (zod):
 * `@Body({ schema })`, `@Query({ schema })`, `@Param('id', { schema })`. The parsed value
 * (defaults applied, unknown keys rejected by strict schemas) replaces the raw one; failures
 * are a 400 problem naming each bad field. Parameters without a schema pass untouched.
 * @AdminRoute applies it, so a schema on the parameter is all a controller needs.
 */
@Injectable()
export class AdminValidationPipe implements PipeTransform {
  async transform<T = unknown>(value: T, metadata: ArgumentMetadata): Promise<T> {
    if (!metadata.schema) return value;
    const result = await metadata.schema['~standard'].validate(value);
    if (result.issues) throw badRequest(fieldErrors(result.issues, metadata.type, metadata.data));
    return result.value as T;
  }
}
