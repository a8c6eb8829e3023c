/**
 * The tests' customer identity provider: an ES256 key pair made once per test process, its
 * public half in a key set file that each test stack's intake reads (CUSTOMER_JWKS_FILE), and
 * tokens signed with its private half for any customer id.
 */
import type { JWK } from "jose";
import { orderIdsKeyedWith } from "../../src/adapters/ids/order_ids.ts";
import {
  CustomerTokenSigner,
  newCustomerKeyPair,
} from "../../src/adapters/auth/customer_token_signer.ts";

export const TEST_ISSUER = "https://id.test.ovenline";
export const TEST_AUDIENCE = "ovenline-intake";
/** The order id key of every test stack (tests compute expected ids with it). */
export const TEST_ORDER_ID_SECRET = "ovenline-test-order-id-secret-0123456789";
const VALID_CUSTOMER = /^[1-9]\d{0,18}$/;

export interface TestIdentityProvider {
  /** The public key set file intake verifies with. */
  readonly jwksFile: string;
  readonly privateJwk: JWK;
  /** A token for `customerId` (one per customer, reused), valid for a day. */
  token(customerId: string): Promise<string>;
  /** A token with other claims or lifetime (for tests of what intake refuses). */
  sign(customerId: string, ttlSeconds: number, now?: Date): Promise<string>;
  /** intake's settings for this provider. */
  readonly env: Record<string, string>;
}

let provider: Promise<TestIdentityProvider> | undefined;

export function testIdentityProvider(): Promise<TestIdentityProvider> {
  provider ??= (async () => {
    const { privateJwk, jwks } = await newCustomerKeyPair("test-1");
    const dir = await Deno.makeTempDir({ prefix: "ovenline-customer-keys-" });
    const jwksFile = `${dir}/jwks.json`;
    await Deno.writeTextFile(jwksFile, JSON.stringify(jwks));
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    });
    const signer = await CustomerTokenSigner.of(privateJwk);
    const sign = (customerId: string, ttlSeconds: number, now?: Date) =>
      signer.sign({ issuer: TEST_ISSUER, audience: TEST_AUDIENCE, customerId, ttlSeconds, now });
    const tokens = new Map<string, Promise<string>>();
    return {
      jwksFile,
      privateJwk,
      sign,
      token: (customerId) => {
        let token = tokens.get(customerId);
        if (!token) tokens.set(customerId, token = sign(customerId, 86_400));
        return token;
      },
      env: {
        CUSTOMER_JWKS_FILE: jwksFile,
        CUSTOMER_JWT_ISSUER: TEST_ISSUER,
        CUSTOMER_JWT_AUDIENCE: TEST_AUDIENCE,
        ORDER_ID_SECRET: TEST_ORDER_ID_SECRET,
      },
    };
  })();
  return provider;
}

/** The customer a test client signs in as for a request naming `customerId` (the seed's otherwise). */
export function signInAs(customerId: string | undefined): string {
  return customerId !== undefined && VALID_CUSTOMER.test(customerId) &&
      BigInt(customerId) <= 9223372036854775807n
    ? customerId
    : "12345";
}

/** The order id intake gives a customer's idempotency key in a test stack. */
export const testOrderIdFor = orderIdsKeyedWith(TEST_ORDER_ID_SECRET);
