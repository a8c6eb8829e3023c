/** Server credentials: plaintext, TLS, or mutual TLS when a client CA is given. */
import { Buffer } from "node:buffer";
import { ServerCredentials } from "@grpc/grpc-js";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
}

export function serverCredentials(tls: TlsFiles | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const clientCa = tls.clientCaFile ? Buffer.from(Deno.readFileSync(tls.clientCaFile)) : null;
  return ServerCredentials.createSsl(
    // Not null: grpc-js would put its default roots (~220 KB) in the server's `ca`, and Deno 2.8.3
    // sends a server's `ca` to clients as part of its certificate chain, a handshake message they
    // refuse ("excessive message size"; rustls: HandshakePayloadTooLarge). Without a client CA
    // no client is verified, so no roots are needed.
    clientCa ?? Buffer.alloc(0),
    [{
      cert_chain: Buffer.from(Deno.readFileSync(tls.certFile)),
      private_key: Buffer.from(Deno.readFileSync(tls.keyFile)),
    }],
    clientCa !== null, // with a client CA, a client without a valid certificate is refused
  );
}
