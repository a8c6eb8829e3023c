/**
 * Signs customer tokens the way a chain's identity provider does (a private JWK with a `kid`),
 * for the local stack, its demo and the tests only: in production the identity provider signs
 * them and intake holds nothing but the public key set.
 */
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from "jose";

export interface CustomerTokenClaims {
  readonly issuer: string;
  readonly audience: string;
  readonly customerId: string;
  readonly ttlSeconds: number;
  readonly now?: Date;
}

export class CustomerTokenSigner {
  private constructor(private readonly key: CryptoKey, private readonly jwk: JWK) {}

  static async of(privateJwk: JWK): Promise<CustomerTokenSigner> {
    if (!privateJwk.kid || !privateJwk.alg || !privateJwk.d) {
      throw new Error("a customer signing key is a private JWK with kid and alg");
    }
    return new CustomerTokenSigner(
      await importJWK(privateJwk, privateJwk.alg) as CryptoKey,
      privateJwk,
    );
  }

  sign(claims: CustomerTokenClaims): Promise<string> {
    const iat = Math.floor((claims.now ?? new Date()).getTime() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: this.jwk.alg!, kid: this.jwk.kid!, typ: "JWT" })
      .setIssuer(claims.issuer)
      .setAudience(claims.audience)
      .setSubject(claims.customerId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + claims.ttlSeconds)
      .sign(this.key);
  }
}

/** A new key pair: the private JWK (for the signer) and the public key set (for intake). */
export async function newCustomerKeyPair(
  kid: string,
  alg = "ES256",
): Promise<{ privateJwk: JWK; jwks: { keys: JWK[] } }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg, use: "sig" },
    jwks: { keys: [publicJwk] },
  };
}
