import { NodeOperationError, type IDataObject, type IExecuteFunctions } from 'n8n-workflow';

import type { DiscountCode } from '../../../lib/store';
import { amountText } from '../../../lib/templates/helpers';

export { amountText };

// The glue every store node shares lives in lib/n8n; re-exported so operations import from one place.
export { requiredString, str } from '../../../lib/n8n/parameters';
export { perItem, type OperationContext, type OperationResult } from '../../../lib/n8n/operations';

/** A number parameter that may come from an expression as text ("12 990", "12990.00"); null when empty. */
export function optionalNumber(ctx: IExecuteFunctions, name: string, label: string, i: number): number | null {
	const raw = ctx.getNodeParameter(name, i, '');
	if (raw === '' || raw === null || raw === undefined) return null;
	const value = typeof raw === 'number' ? raw : Number(String(raw).replace(/[\s\u00a0]/g, '').replace(',', '.'));
	if (!Number.isFinite(value)) {
		throw new NodeOperationError(ctx.getNode(), `"${label}" must be a number, not "${String(raw)}"`, { itemIndex: i });
	}
	return value;
}

export function dateText(iso: string, timeZone = 'Europe/Budapest', locale = 'hu-HU'): string {
	return new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'long', timeStyle: 'short' }).format(new Date(iso));
}

/**
 * What the customer is told for every refusal, whatever the reason: a message per reason would let anyone at the
 * checkout probe codes ("belongs to another customer" says the code exists). The reason stays in the item.
 */
export const REFUSAL_MESSAGE = {
	hu: 'Ez a kuponkód ehhez a rendeléshez nem használható.',
	en: 'This discount code cannot be used for this order.',
} as const;

export function discountJson(code: DiscountCode): IDataObject {
	return {
		code: code.code,
		kind: code.kind,
		amount: code.amount,
		currency: code.currency,
		amount_text: amountText(code),
		minimum_order: code.minimum_order,
		usage_limit: code.usage_limit,
		used_count: code.used_count,
		remaining_uses: code.remaining_uses,
		valid_from: code.valid_from,
		valid_until: code.valid_until,
		valid_until_text: dateText(code.valid_until),
		status: code.status,
		cart_id: code.cart_id,
		stage: code.stage,
		synced_to: code.shop_platform,
		synced_at: code.synced_at,
		...(code.rule ? { rule: code.rule as IDataObject, worth: code.worth ?? null, worth_currency: code.worth_currency ?? null } : {}),
	};
}
