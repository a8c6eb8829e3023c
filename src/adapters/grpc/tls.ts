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
    clientCa,
    [{
      cert_chain: Buffer.from(Deno.readFileSync(tls.certFile)),
      private_key: Buffer.from(Deno.readFileSync(tls.keyFile)),
    }],
    clientCa !== null, // with a client CA, a client without a valid certificate is refused
  );
}
