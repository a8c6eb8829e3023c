/**
 * Who a gRPC call comes from (docs/security.md, "Callers and what they may do"):
 *
 * - a trusted backend-for-frontend: its client certificate (mutual TLS, verified against
 *   GRPC_TLS_CLIENT_CA_FILE) has a subject on the allow-list, and it names the customer in the
 *   `customer-id` metadata;
 * - a customer app: `authorization: Bearer <JWT>` from the chain's identity provider;
 * - in anonymous mode only (trusted networks), anyone: the request body names the customer.
 *
 * Anything else is UNAUTHENTICATED. The client's address for per-peer limits is the TCP peer,
 * or, when that is a trusted proxy, the last address it added to x-forwarded-for.
 */
import { BlockList, isIP } from "node:net";
import type { Metadata } from "@grpc/grpc-js";
import type { PeerCertificate } from "node:tls";
import { CustomerMismatchError, UnauthenticatedError } from "../../domain/errors.ts";
import type { Caller } from "../../domain/caller.ts";

/** What a server call tells about its transport (grpc-js ServerSurfaceCall). */
export interface CallTransport {
  readonly metadata: Metadata;
  getPeer(): string;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate };
}

export interface CustomerAuthSettings {
  readonly tokens?: { customerOf(token: string): Promise<string> };
  readonly trustedBackends: readonly string[];
  readonly anonymous: boolean;
  readonly trustedProxies: readonly string[];
}

export const CUSTOMER_ID_METADATA = "customer-id";
const CUSTOMER_ID = /^[1-9]\d{0,18}$/;
const MAX_CUSTOMER_ID = 9223372036854775807n;

export interface IdentifiedCall extends Caller {
  /** This TCP connection ("address:port"), for per-connection limits; undefined behind a proxy. */
  readonly connection?: string;
  /** How the customer was proven. */
  readonly via: "token" | "backend" | "anonymous";
}

export class CallerIdentity {
  readonly #proxies = new BlockList();
  readonly #hasProxies: boolean;
  readonly #backends: ReadonlySet<string>;

  constructor(private readonly settings: CustomerAuthSettings) {
    for (const cidr of settings.trustedProxies) {
      const [address, bits] = cidr.split("/");
      const family = isIP(address);
      if (family === 0) throw new Error(`not a CIDR: ${cidr}`);
      const type = family === 4 ? "ipv4" : "ipv6";
      this.#proxies.addSubnet(
        address,
        bits === undefined ? (family === 4 ? 32 : 128) : Number(bits),
        type,
      );
    }
    this.#hasProxies = settings.trustedProxies.length > 0;
    this.#backends = new Set(settings.trustedBackends);
  }

  /** The peer and connection of a call, before anything is verified (for call-rate limits). */
  whereFrom(call: CallTransport): { peer?: string; connection?: string; backend: boolean } {
    const backend = this.#backendOf(call) !== undefined;
    const connection = call.getPeer();
    const address = addressOf(connection);
    if (backend) return { backend };
    if (this.#hasProxies && this.#isProxy(address)) {
      return { peer: this.#forwardedClient(call.metadata), backend };
    }
    return { peer: address, connection, backend };
  }

  /** Who the call is from; UnauthenticatedError when it proves no customer and may not be anonymous. */
  async identify(call: CallTransport, where = this.whereFrom(call)): Promise<IdentifiedCall> {
    const base = { peer: where.peer, connection: where.connection };
    const vouched = first(call.metadata, CUSTOMER_ID_METADATA);
    if (where.backend) {
      if (vouched !== undefined) {
        if (!isCustomerId(vouched)) {
          throw new UnauthenticatedError(
            `the ${CUSTOMER_ID_METADATA} metadata must be a customer id, a whole number from 1 to ${MAX_CUSTOMER_ID}`,
          );
        }
        return { ...base, customerId: vouched, via: "backend" };
      }
    } else if (vouched !== undefined) {
      throw new CustomerMismatchError(
        `${CUSTOMER_ID_METADATA} metadata`,
        vouched,
        "only a trusted backend-for-frontend may name the customer in metadata; a customer app sends its token",
      );
    }
    const authorization = first(call.metadata, "authorization");
    if (authorization !== undefined) {
      if (!this.settings.tokens) {
        throw new UnauthenticatedError("this intake does not accept customer tokens");
      }
      const token = /^bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
      if (!token) {
        throw new UnauthenticatedError(
          'the authorization metadata must be "Bearer <customer token>"',
        );
      }
      return { ...base, customerId: await this.settings.tokens.customerOf(token), via: "token" };
    }
    if (where.backend) {
      throw new UnauthenticatedError(
        `a backend-for-frontend names the customer in the ${CUSTOMER_ID_METADATA} metadata`,
      );
    }
    if (this.settings.anonymous) return { ...base, via: "anonymous" };
    throw new UnauthenticatedError(
      this.settings.tokens
        ? 'a customer token is required: metadata "authorization: Bearer <token>"'
        : "only trusted backends-for-frontend (mutual TLS) may call this intake",
    );
  }

  #backendOf(call: CallTransport): string | undefined {
    if (this.#backends.size === 0) return undefined;
    const subject = call.getAuthContext().sslPeerCertificate?.subject;
    if (!subject) return undefined;
    const full = Object.entries(subject).map(([k, v]) => `${k}=${v}`).join(",");
    const cn = typeof subject.CN === "string" ? subject.CN : undefined;
    if (this.#backends.has(full)) return full;
    return cn !== undefined && this.#backends.has(cn) ? cn : undefined;
  }

  #isProxy(address: string): boolean {
    const family = isIP(address);
    return family !== 0 && this.#proxies.check(address, family === 4 ? "ipv4" : "ipv6");
  }

  /** The address the trusted proxies received the call from, or undefined if they did not say. */
  #forwardedClient(metadata: Metadata): string | undefined {
    const hops = metadata.get("x-forwarded-for").flatMap((v) => String(v).split(","))
      .map((h) => h.trim()).filter((h) => h !== "");
    for (let i = hops.length - 1; i >= 0; i--) {
      if (isIP(hops[i]) === 0) return undefined; // not an address: nothing it says can be trusted
      if (!this.#isProxy(hops[i])) return hops[i];
    }
    return undefined;
  }
}

/** "1.2.3.4:5678" → "1.2.3.4", "::1:5678" → "::1" (grpc-js writes IPv6 peers without brackets). */
function addressOf(peer: string): string {
  const colon = peer.lastIndexOf(":");
  const address = colon > 0 ? peer.slice(0, colon).replace(/^\[|\]$/g, "") : peer;
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return value === undefined ? undefined : String(value);
}

function isCustomerId(text: string): boolean {
  return CUSTOMER_ID.test(text) && BigInt(text) <= MAX_CUSTOMER_ID;
}
