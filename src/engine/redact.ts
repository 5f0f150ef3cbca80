/**
 * Removes secrets from text that may reach a log: SAS signatures in URLs, account keys and SAS tokens in connection
 * strings, bearer tokens. Error messages from HTTP libraries often quote the request URL, query string included.
 */
export function redact(text: string): string {
  return text
    .replace(/([?&](?:sig|signature)=)[^&\s"'<>]+/gi, '$1REDACTED')
    .replace(/((?:AccountKey|SharedAccessSignature|SharedAccessKey)\s*=\s*)[^;\s"']+/gi, '$1REDACTED')
    .replace(/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/g, '$1REDACTED')
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, 'REDACTED-JWT');
}
