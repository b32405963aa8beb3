import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its key, as files and as PEM. */
export interface CertFiles {
  cert: string;
  key: string;
  certPem: string;
  keyPem: string;
}

/** Certificates a TLS test makes for itself with openssl: two CAs, a server, clients. */
export interface TestPki {
  dir: string;
  ca: CertFiles;
  /** Another CA, whose certificates the server must refuse. */
  rogueCa: CertFiles;
  /** Signs a fresh certificate with `ca` (or `rogueCa`): a server's for 127.0.0.1/localhost, or a client's named CN. */
  issue(name: string, cn: string, kind: "server" | "client", by?: "ca" | "rogueCa"): CertFiles;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function files(dir: string, name: string): CertFiles {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  return { cert, key, certPem: readFileSync(cert, "utf8"), keyPem: readFileSync(key, "utf8") };
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes the CAs in a fresh temp dir. */
export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "baton-pki-"));
  const makeCa = (name: string): CertFiles => {
    openssl(dir, ["req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", `/CN=${name}`, "-days", "2"]);
    return files(dir, name);
  };
  const ca = makeCa("test-ca");
  const rogueCa = makeCa("rogue-ca");
  return {
    dir,
    ca,
    rogueCa,
    issue(name, cn, kind, by = "ca") {
      const signer = by === "ca" ? ca : rogueCa;
      openssl(dir, ["req", "-new", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
      const ext = join(dir, `${name}.ext`);
      writeFileSync(
        ext,
        kind === "server"
          ? "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
          : "extendedKeyUsage=clientAuth\n",
      );
      openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", signer.cert, "-CAkey", signer.key, "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", ext]);
      return files(dir, name);
    },
  };
}
