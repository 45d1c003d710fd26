import { isSupportedCountry } from 'libphonenumber-js';
import { NodeOperationError, type INode } from 'n8n-workflow';

/**
 * Free-text ISO codes in node parameters, checked before a node does anything: a typo ("Ft", "XX") would
 * otherwise fail silently much later (a minimum that never applies, every SMS skipped as an invalid number).
 */

// ISO 4217 codes in current use, as the runtime's ICU knows them (Node ships full ICU).
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/** The upper-cased ISO 4217 code, or null when `value` is not one. */
export function isoCurrency(value: unknown): string | null {
	const code = String(value ?? '').trim().toUpperCase();
	return /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code) ? code : null;
}

/** The upper-cased ISO 3166-1 alpha-2 region, or null when libphonenumber-js has no numbering plan for it. */
export function isoRegion(value: unknown): string | null {
	const code = String(value ?? '').trim().toUpperCase();
	return /^[A-Z]{2}$/.test(code) && isSupportedCountry(code) ? code : null;
}

const shown = (value: unknown) => `'${String(value ?? '').trim()}'`;

/** "Minimum Value Currency: 'Ft' is not an ISO 4217 currency code, e.g. HUF" (empty counts as invalid). */
export function currencyOrFail(node: INode, label: string, value: unknown, itemIndex?: number): string {
	const code = isoCurrency(value);
	if (code) return code;
	const empty = !String(value ?? '').trim();
	throw new NodeOperationError(
		node,
		empty ? `${label} is empty: enter an ISO 4217 currency code, e.g. HUF` : `${label}: ${shown(value)} is not an ISO 4217 currency code, e.g. HUF`,
		{ itemIndex, description: 'Three letters, as the shop reports the cart’s currency: HUF for forint (not Ft), EUR, USD…' },
	);
}

/** "Default Country: 'XX' is not an ISO 3166 country code, e.g. HU" (empty counts as invalid). */
export function regionOrFail(node: INode, label: string, value: unknown, itemIndex?: number): string {
	const code = isoRegion(value);
	if (code) return code;
	const empty = !String(value ?? '').trim();
	throw new NodeOperationError(
		node,
		empty ? `${label} is empty: enter an ISO 3166 country code, e.g. HU` : `${label}: ${shown(value)} is not an ISO 3166 country code, e.g. HU`,
		{ itemIndex, description: 'Two letters of a country with its own phone numbering: HU, AT, DE, SK, RO…' },
	);
}
