/** Who calls the customer API, as the transport proved it; never taken from the request body. */
export interface Caller {
  /**
   * The customer the caller proved to be: a verified token's subject, or the id a trusted
   * backend-for-frontend vouched for. Undefined for an anonymous caller (the seed's mode, for
   * trusted networks only), whose requests name their customer themselves.
   */
  readonly customerId?: string;
  /**
   * The client's address, for per-peer limits; undefined when another party limits per client
   * (a trusted backend-for-frontend, or a trusted proxy that did not say whom it forwards).
   */
  readonly peer?: string;
}
