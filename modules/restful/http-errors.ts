// Errors the API answers, as Ceph's module does: JSON {"message": ...} with a status.

export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

export const notFound = (message: string): HttpError => new HttpError(404, message);
export const badRequest = (message: string): HttpError => new HttpError(400, message);

/** An id path segment as an integer, or 400 naming what it should be. */
export function intParam(value: string | undefined, what: string): number {
  if (value === undefined || !/^-?\d{1,9}$/.test(value)) throw badRequest(`Invalid ${what} "${value ?? ''}": an integer is expected`);
  return Number(value);
}
