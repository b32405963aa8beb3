import { isFieldSet, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/**
 * The fields of a message that the page has no column for, as `name: value` pairs: when the API
 * gains a field (a holder's `mode`, a lock's `permits`), the page shows it from the descriptor
 * without a change here. Only scalar and enum fields that are set.
 */
export function extraFields<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>, known: ReadonlySet<string>): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const field of schema.fields) {
    if (known.has(field.localName) || !isFieldSet(message, field)) continue;
    const value = (message as Record<string, unknown>)[field.localName];
    if (field.fieldKind === "scalar") out.push([field.name, String(value)]);
    else if (field.fieldKind === "enum") {
      const name = field.enum.values.find((v) => v.number === value)?.localName ?? String(value);
      out.push([field.name, name.toLowerCase()]);
    }
  }
  return out;
}
