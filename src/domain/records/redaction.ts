// Masks personal data and secrets in free text before it reaches workflow history, logs,
// tickets or documents. Patterns are deliberately broad: a false mask costs little, a leak a lot.

// The lookbehind starts a match only where a run of address characters starts: without it the
// search is quadratic on long runs (100 KB took seconds).
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// International or local phone numbers: 7+ digits with common separators, optional leading + or (.
const PHONE = /(?<![\w-])[+(]?\d[\d ().-]{5,}\d(?![\w-])/g;
// Look like phone numbers but matter to IT support: ISO dates, IP addresses and version numbers.
const NOT_A_PHONE = /^(\d{4}-\d{2}-\d{2}|[\d.]+)$/;
const SECRET_ASSIGNMENT = /\b(password|passwd|pwd|passcode|secret|token|api[_ -]?key|pin)(\s*[:=]\s*|\s+is\s+)([^\s;,]+)/gi;

export interface RedactionOptions {
  maskEmails?: boolean;
  maskPhones?: boolean;
}

export function redactText(text: string, options: RedactionOptions = {}): string {
  let out = text.replace(SECRET_ASSIGNMENT, (_m, word: string, sep: string) => `${word}${sep}[secret]`);
  if (options.maskEmails !== false) out = out.replace(EMAIL, '[email]');
  if (options.maskPhones !== false) {
    out = out.replace(PHONE, (match) => (match.replace(/\D/g, '').length >= 7 && !NOT_A_PHONE.test(match) ? '[phone]' : match));
  }
  return out;
}
