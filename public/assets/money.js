// Dollars as the pages and `npm run keys` write them.

/** Dollars as people write them: $12.50, $5, $0.50, $0.0042, $0; never an exponent. */
export function usd(/** @type {number} */ value) {
  if (!value) return '$0';
  if (Number.isInteger(value)) return `$${value.toLocaleString('en')}`;
  if (value >= 1)
    return `$${value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  // Below a dollar, two significant digits, and at least the cents: $0.50, $0.042, $0.0042.
  const text = value.toLocaleString('en', { maximumSignificantDigits: 2 });
  return `$${/\.\d$/.test(text) ? `${text}0` : text}`;
}
