/**
 * A throwaway PKI for TLS tests, made with openssl in a temporary folder: a
 * certificate authority, a server certificate for 127.0.0.1 and localhost,
 * a client certificate from the same CA, and a second, unrelated CA with a
 * client certificate of its own (one the server must refuse).
 */
import { Buffer } from "node:buffer";

export interface TestPki {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly otherCaCert: string;
  readonly otherClientCert: string;
  readonly otherClientKey: string;
  /** File contents, for client credentials (grpc-js wants Buffers). */
  read(path: string): Buffer;
  remove(): Promise<void>;
}

async function openssl(dir: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

async function makeCa(dir: string, name: string, cn: string): Promise<void> {
  await openssl(
    dir,
    "req",
    "-x509",
    ...KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-subj",
    `/CN=${cn}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  );
}

async function makeLeaf(
  dir: string,
  ca: string,
  name: string,
  cn: string,
  extensions: string,
): Promise<void> {
  await Deno.writeTextFile(`${dir}/${name}.ext`, extensions);
  await openssl(
    dir,
    "req",
    ...KEY,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
  );
  await openssl(
    dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.crt`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-out",
    `${name}.crt`,
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
  );
}

export async function createTestPki(): Promise<TestPki> {
  const dir = await Deno.makeTempDir({ prefix: "ovenline-pki-" });
  await makeCa(dir, "ca", "Ovenline Test CA");
  await makeCa(dir, "other-ca", "Somebody Else's CA");
  const leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";
  await makeLeaf(
    dir,
    "ca",
    "server",
    "localhost",
    `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n`,
  );
  await makeLeaf(dir, "ca", "client", "kitchen-app", `${leaf}extendedKeyUsage=clientAuth\n`);
  await makeLeaf(
    dir,
    "other-ca",
    "other-client",
    "kitchen-app",
    `${leaf}extendedKeyUsage=clientAuth\n`,
  );
  return {
    dir,
    caCert: `${dir}/ca.crt`,
    serverCert: `${dir}/server.crt`,
    serverKey: `${dir}/server.key`,
    clientCert: `${dir}/client.crt`,
    clientKey: `${dir}/client.key`,
    otherCaCert: `${dir}/other-ca.crt`,
    otherClientCert: `${dir}/other-client.crt`,
    otherClientKey: `${dir}/other-client.key`,
    read: (path) => Buffer.from(Deno.readFileSync(path)),
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}
