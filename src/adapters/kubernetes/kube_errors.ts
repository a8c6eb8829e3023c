/**
 * Reading client-node's failed calls without importing client-node, so code
 * that only handles its errors (the hub in PostgreSQL mode) does not load it.
 * client-node throws ApiException: a numeric `code` (the HTTP status) and the
 * API's `body`.
 */

interface ApiExceptionLike {
  readonly code: number;
  readonly body?: unknown;
}

function apiException(error: unknown): ApiExceptionLike | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const e = error as { name?: unknown; code?: unknown; constructor?: { name?: string } };
  const named = e.name === "ApiException" || e.constructor?.name === "ApiException";
  return named && typeof e.code === "number" ? (error as ApiExceptionLike) : undefined;
}

/** The HTTP status of a failed client-node call (ApiException.code), or undefined. */
export function httpStatusOf(error: unknown): number | undefined {
  return apiException(error)?.code;
}

/** A short text for logs and status messages: the API's own message when it sent a Status. */
export function kubeErrorText(error: unknown): string {
  const api = apiException(error);
  if (api) {
    try {
      const status = typeof api.body === "string" ? JSON.parse(api.body) : api.body;
      if (status && typeof (status as { message?: unknown }).message === "string") {
        return `${api.code}: ${(status as { message: string }).message}`;
      }
    } catch {
      // not JSON
    }
    return `HTTP ${api.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}
