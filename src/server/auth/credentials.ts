/**
 * The key a request presents: `Authorization: Bearer KEY`, or HTTP Basic with the key as the
 * password (the user name is ignored: Locker's clients and browsers can only send Basic).
 * Returns undefined when the request presents none, and "" when the header is malformed.
 */
export function presentedKey(authorization: string | null | undefined): string | undefined {
  if (authorization === null || authorization === undefined || authorization === "") return undefined;
  const space = authorization.indexOf(" ");
  if (space === -1) return "";
  const scheme = authorization.slice(0, space).toLowerCase();
  const value = authorization.slice(space + 1).trim();
  if (scheme === "bearer") return value;
  if (scheme !== "basic") return "";
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? "" : decoded.slice(colon + 1);
}
