/**
 * A secret and the parts of it that could be logged on their own: an account key or SAS signature inside a
 * connection string or token, and a signature's URL-decoded form (a SAS is encoded in the token, but may be logged
 * decoded). Each entry point masks every one of them with its platform's call before anything is printed.
 */
export function secretParts(value: string): string[] {
  const parts = new Set([value]);
  for (const match of value.matchAll(/(?:AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi)) {
    const part = match[1];
    if (!part) continue;
    parts.add(part);
    const decoded = safeDecode(part);
    if (decoded) parts.add(decoded);
  }
  return [...parts];
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
