/**
 * A message part over one of Meta's limits, caught before any call: names the field, its length and the
 * limit, in words a marketer reads ("Button 2 title "…" is 23 characters; WhatsApp allows 20").
 * Lengths count Unicode code points: "é" is one, "🛍️" two (the bag and its emoji selector). Meta does not
 * document how it counts; code points never undercount what its servers see, so a message that passes here is
 * not refused for length there. (JavaScript's `.length` would count UTF-16 units and refuse too much.)
 */
export class MessageLimitError extends Error {
	readonly channel: 'whatsapp' | 'messenger';
	readonly field: string;
	readonly length: number;
	readonly limit: number;

	constructor(channel: 'whatsapp' | 'messenger', field: string, length: number, limit: number, message: string) {
		super(message);
		this.name = 'MessageLimitError';
		this.channel = channel;
		this.field = field;
		this.length = length;
		this.limit = limit;
	}
}

/** Length in Unicode code points. */
export function visibleLength(text: string): number {
	return [...text].length;
}

const CHANNEL_NAME = { whatsapp: 'WhatsApp', messenger: 'Messenger' } as const;

export function checkLength(channel: 'whatsapp' | 'messenger', field: string, value: string | undefined, limit: number, options: { required?: boolean } = {}) {
	const text = value ?? '';
	if (options.required && text.trim() === '') throw new MessageLimitError(channel, field, 0, limit, `${field} is empty; ${CHANNEL_NAME[channel]} needs it`);
	const length = visibleLength(text);
	if (length > limit) {
		const shown = length > 40 ? `${[...text].slice(0, 37).join('')}…` : text;
		throw new MessageLimitError(channel, field, length, limit, `${field} "${shown}" is ${length} characters; ${CHANNEL_NAME[channel]} allows at most ${limit}`);
	}
}

export function checkCount(channel: 'whatsapp' | 'messenger', field: string, count: number, max: number, min = 0) {
	if (count > max) throw new MessageLimitError(channel, field, count, max, `${count} ${field.toLowerCase()}; ${CHANNEL_NAME[channel]} allows at most ${max}`);
	if (count < min) throw new MessageLimitError(channel, field, count, min, `${field} needs at least ${min}; got ${count}`);
}

export function checkUnique(channel: 'whatsapp' | 'messenger', field: string, values: string[], limit: number) {
	const seen = new Set<string>();
	for (const value of values) {
		const key = value.trim().toLocaleLowerCase();
		if (seen.has(key)) throw new MessageLimitError(channel, field, values.length, limit, `${field} "${value}" appears twice; ${CHANNEL_NAME[channel]} needs each one to be different`);
		seen.add(key);
	}
}

export function checkUrl(channel: 'whatsapp' | 'messenger', field: string, value: string | undefined) {
	let ok = false;
	try {
		const url = new URL(value ?? '');
		ok = url.protocol === 'https:' || url.protocol === 'http:';
	} catch {
		ok = false;
	}
	if (!ok) throw new MessageLimitError(channel, field, visibleLength(value ?? ''), 0, `${field} "${value ?? ''}" is not a web address starting with https://`);
}

/** Shortens to `max` code points with an ellipsis (product names can be long). */
export function shorten(text: string, max: number): string {
	const chars = [...text.trim()];
	return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}
