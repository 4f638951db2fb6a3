/** One input field at fault and why, for errors that a request caused. */
export interface FieldProblem {
  field: string;
  message: string;
}

/**
 * The shape every module's error shares: a code from the module's enum (the surfaces map codes
 * to responses exhaustively), a message, the fields at fault when input caused it, and the
 * original cause kept.
 */
export abstract class ModuleError<Code extends string> extends Error {
  readonly fields: FieldProblem[];

  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown; fields?: FieldProblem[] },
  ) {
    super(message, options);
    this.fields = options?.fields ?? [];
  }
}
