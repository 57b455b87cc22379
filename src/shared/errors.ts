import { GraphQLError } from 'graphql';

/** The error codes this graph promises to clients (`extensions.code`). */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_COMPLEX'
  | 'SERVICE_UNAVAILABLE';

abstract class CodedError<Code extends ErrorCode> extends GraphQLError {
  constructor(message: string, code: Code, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

/** The client sent something that can never succeed as sent: a malformed id or cursor, a page size out of range. */
export class BadUserInputError extends CodedError<'BAD_USER_INPUT'> {
  override name = 'BadUserInputError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'BAD_USER_INPUT', extensions);
  }
}

/** A mutation names something that does not exist (lookups return null instead). */
export class NotFoundError extends CodedError<'NOT_FOUND'> {
  override name = 'NotFoundError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'NOT_FOUND', extensions);
  }
}

/** A write collides with existing state: a taken slug, a stale version. */
export class ConflictError extends CodedError<'CONFLICT'> {
  override name = 'ConflictError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'CONFLICT', extensions);
  }
}

/**
 * An item changed (its version moved on) between a write reading it and
 * updating it: an editor's request answers CONFLICT, an ingestion batch goes
 * again and reads the item as it now is.
 */
export class StaleVersionError extends ConflictError {
  override name = 'StaleVersionError';
}

/** No key where one is needed, or a key that is wrong, expired or revoked. Over HTTP: 401. */
export class UnauthenticatedError extends CodedError<'UNAUTHENTICATED'> {
  override name = 'UnauthenticatedError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'UNAUTHENTICATED', extensions);
  }
}

/**
 * What was asked cannot be done now, through no fault of the request: try
 * again shortly (over HTTP: 503). A database that does not answer is told the
 * same way by the error formatter (`error-format.ts`).
 */
export class ServiceUnavailableError extends CodedError<'SERVICE_UNAVAILABLE'> {
  override name = 'ServiceUnavailableError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'SERVICE_UNAVAILABLE', extensions);
  }
}

/** A valid key whose role does not allow the operation. */
export class ForbiddenError extends CodedError<'FORBIDDEN'> {
  override name = 'ForbiddenError';
  constructor(message: string, extensions?: Record<string, unknown>) {
    super(message, 'FORBIDDEN', extensions);
  }
}
