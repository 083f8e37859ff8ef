// Number formats and tables shared by the dry-run and diff reports (text for terminals, markdown for PRs).

export const fmtCount = (n: number): string => n.toLocaleString('en-US');

/** A share in percent with one decimal (two below 1%, so small moves do not read as 0.0%). */
export function fmtShare(share: number): string {
  const pct = share * 100;
  if (pct === 0) return '0%';
  if (pct < 1) return `${pct.toFixed(2)}%`;
  return `${pct.toFixed(1)}%`;
}

/**
 * Decimals for a USD amount: cents, and below a cent at least four and enough for two significant digits
 * (`$0.0054`, `$0.000015`), so a small cost never reads as zero. Capped at ten decimals.
 */
export function usdDecimals(abs: number, cents = 2): number {
  if (!(abs > 0) || abs >= 0.01) return cents;
  let digits = Math.min(10, Math.max(4, 1 - Math.floor(Math.log10(abs))));
  // No trailing zero beyond the fourth decimal: $0.0001, not $0.00010.
  while (digits > 4 && abs.toFixed(digits).endsWith('0')) digits--;
  return digits;
}

/** USD with cents; sub-cent amounts keep two significant digits so they do not read as $0.00. */
export function fmtUsd(usd: number): string {
  const abs = Math.abs(usd);
  const digits = usdDecimals(abs);
  const text = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${usd < 0 ? '-' : ''}$${text}`;
}

/** USD with an explicit sign: `+$41.20`, `-$3.00`, `$0.00`. */
export function fmtUsdDelta(usd: number): string {
  if (Math.abs(usd) < 5e-7) return '$0.00';
  return `${usd > 0 ? '+' : '-'}${fmtUsd(Math.abs(usd))}`;
}

export const share = (part: number, whole: number): number => (whole === 0 ? 0 : part / whole);

export const plural = (n: number, one: string, many = `${one}s`): string => `${fmtCount(n)} ${n === 1 ? one : many}`;

/** A text table: columns padded, numbers (cells of `right` columns) right-aligned. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Markdown table cells must not break the row. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string[] {
  const rule = header.map((_, i) => (right.has(i) ? '---:' : '---'));
  return [`| ${header.map(cell).join(' | ')} |`, `| ${rule.join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export const code = (s: string): string => `\`${s}\``;

export function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
