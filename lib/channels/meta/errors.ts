import { networkFailureKind, ProviderError, type ProviderFailureKind } from '../../delivery/errors';

/**
 * Graph API errors, classified by code (never by message text, which Meta says will change): what happened
 * in words a marketer reads, whether the message may be sent again and when, and what the caller must do
 * (fall back to the template, withdraw WhatsApp marketing consent, wait a day).
 *
 * Graph error body: `{ error: { message, type, code, error_subcode?, error_data?: { messaging_product?,
 * details }, error_user_title?, error_user_msg?, fbtrace_id } }`.
 */
export type MetaChannel = 'whatsapp' | 'messenger';

export type MetaFailureReason =
	/** Outside the customer's 24-hour window: WhatsApp 131047, Messenger 10/2018278. */
	| 'window_closed'
	/** Throughput or pair limits (130429, 131056, Graph 4/17/32/613/80007): back off, send again. */
	| 'rate_limited'
	/** Meta's per-user marketing cap (131049): try again no sooner than a day later. */
	| 'marketing_cap'
	/** Meta will not deliver to this person (131026, Messenger 551 and 100/2018001). */
	| 'undeliverable'
	/** The customer stopped marketing messages from this business (131050): a consent withdrawal. */
	| 'marketing_opt_out'
	/** The template's values do not fit it (132000 count, 132005 too long, 132007 policy, 132012 format). */
	| 'template_parameters'
	/** No approved template by that name and language (132001), or it is paused/disabled (132015/132016). */
	| 'template_missing'
	/** Spam limit on the sending number (131048): do not send again soon. */
	| 'spam_limited'
	/** Token expired/revoked or missing permission (190, 10, 200–299, 3). */
	| 'access_denied'
	/** Any other refusal (4xx). */
	| 'invalid_request'
	/** Meta's side failed (5xx, codes 1/2/131000/131016). */
	| 'provider_unavailable'
	/** No answer at all (connection refused, reset, timeout). */
	| 'network';

/** The Graph error object as Meta returns it (every field optional: proxies and fakes drop some). */
export interface GraphErrorBody {
	message?: string;
	type?: string;
	code?: number;
	error_subcode?: number;
	error_data?: { messaging_product?: string; details?: string } | string;
	error_user_title?: string;
	error_user_msg?: string;
	fbtrace_id?: string;
}

export interface MetaFailureInit {
	channel: MetaChannel;
	reason: MetaFailureReason;
	kind: ProviderFailureKind;
	status?: number;
	code?: number;
	subcode?: number;
	type?: string;
	fbtraceId?: string;
	/** Meta's own explanation (`error_data.details`, else `error.message`). */
	metaMessage?: string;
	retryAfterMs?: number;
	/** Not before this many ms from now (131049: at least a day). */
	deferMs?: number;
}

/** A day: Meta's marketing cap (131049) lifts per user on a rolling basis; a resend within a day fails again. */
export const MARKETING_CAP_DEFER_MS = 24 * 3600_000;

const PROVIDER: Record<MetaChannel, string> = { whatsapp: 'WhatsApp', messenger: 'Messenger' };

/**
 * A Graph API call that failed, as a ProviderError (kind retryable / permanent / unknown, HTTP status, Meta's
 * code, retry-after) plus what the Meta channels need on top: the reason, the subcode, Meta's trace id,
 * `deferMs` (131049), `withdrawConsent` (131050) and `fallbackToTemplate` (WhatsApp 131047).
 */
export class MetaGraphError extends ProviderError {
	readonly channel: MetaChannel;
	readonly reason: MetaFailureReason;
	readonly subcode?: number;
	readonly type?: string;
	readonly fbtraceId?: string;
	readonly metaMessage?: string;
	readonly deferMs?: number;

	constructor(message: string, init: MetaFailureInit) {
		const detail = [init.metaMessage, init.fbtraceId ? `Meta trace id ${init.fbtraceId}` : undefined].filter(Boolean).join('; ') || undefined;
		super(message, { provider: PROVIDER[init.channel], kind: init.kind, status: init.status, code: init.code, retryAfterMs: init.retryAfterMs, detail });
		this.name = 'MetaGraphError';
		this.channel = init.channel;
		this.reason = init.reason;
		this.subcode = init.subcode;
		this.type = init.type;
		this.fbtraceId = init.fbtraceId;
		this.metaMessage = init.metaMessage;
		this.deferMs = init.deferMs;
	}

	/** 131050: the customer turned off marketing messages from this business — record a WhatsApp consent withdrawal. */
	get withdrawConsent(): boolean {
		return this.reason === 'marketing_opt_out';
	}

	/** WhatsApp outside the window: an approved template may still be sent (Auto mode). */
	get fallbackToTemplate(): boolean {
		return this.channel === 'whatsapp' && this.reason === 'window_closed';
	}

	/** The skip reason the send nodes record when they do not send (window_closed, marketing_cap, …). */
	get skipReason(): string {
		return this.reason;
	}

	override toJSON() {
		return { ...super.toJSON(), reason: this.reason, subcode: this.subcode ?? null, fbtrace_id: this.fbtraceId ?? null, defer_ms: this.deferMs ?? null };
	}
}

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80007, 130429, 131056]);
const ACCESS_CODES = new Set([3, 10, 190]);
const TEMPLATE_PARAMETER_CODES = new Set([132000, 132005, 132007, 132012]);
const TEMPLATE_MISSING_CODES = new Set([132001, 132015, 132016]);
const META_UNAVAILABLE_CODES = new Set([1, 2, 131000, 131016]);

function metaDetails(body: GraphErrorBody): string | undefined {
	const data = body.error_data;
	const details = typeof data === 'string' ? data : data?.details;
	return (details || body.error_user_msg || body.message || '').trim() || undefined;
}

export interface ClassifyInput {
	channel: MetaChannel;
	/** HTTP status; undefined when no response came back. */
	status?: number;
	/** The `error` object of the Graph response body (absent for non-Graph answers). */
	error?: GraphErrorBody;
	retryAfterMs?: number;
	/** For WhatsApp template errors: the template the call used, named in the message. */
	template?: { name: string; language: string };
}

/** Maps a Graph API answer (status + `error`) to a MetaGraphError. By code first, then by HTTP status. */
export function classifyGraphError(input: ClassifyInput): MetaGraphError {
	const { channel, status, error = {}, retryAfterMs, template } = input;
	const code = typeof error.code === 'number' ? error.code : Number.isFinite(Number(error.code)) ? Number(error.code) : undefined;
	const subcode = typeof error.error_subcode === 'number' ? error.error_subcode : error.error_subcode !== undefined ? Number(error.error_subcode) : undefined;
	const base = { channel, status, code, subcode, type: error.type, fbtraceId: error.fbtrace_id, metaMessage: metaDetails(error), retryAfterMs };
	const make = (reason: MetaFailureReason, kind: ProviderFailureKind, message: string, extra: Partial<MetaFailureInit> = {}) =>
		new MetaGraphError(message, { ...base, reason, kind, ...extra });
	const who = channel === 'whatsapp' ? 'WhatsApp' : 'Messenger';
	const templateName = template ? `"${template.name}" (${template.language})` : 'the template';

	if (channel === 'messenger' && code === 10 && subcode === 2018278) {
		return make('window_closed', 'permanent', 'The customer has not written to the page in the last 24 hours, so Messenger does not allow a promotional message now');
	}
	if (channel === 'whatsapp') {
		switch (code) {
			case 131047:
				return make('window_closed', 'permanent', 'More than 24 hours have passed since the customer last wrote: WhatsApp only accepts an approved template now');
			case 131049:
				return make('marketing_cap', 'permanent', 'Meta held this marketing message back to keep the customer from getting too many; try again no sooner than a day later', { deferMs: MARKETING_CAP_DEFER_MS });
			case 131050:
				return make('marketing_opt_out', 'permanent', 'The customer turned off marketing messages from this business on WhatsApp');
			case 131026:
				return make('undeliverable', 'permanent', 'WhatsApp cannot deliver to this number (no WhatsApp account, an outdated app, or the customer has not accepted the terms)');
			case 131048:
				return make('spam_limited', 'permanent', 'WhatsApp limited this sending number because recent messages were reported or blocked; send fewer marketing messages for a while');
		}
		if (code !== undefined && TEMPLATE_PARAMETER_CODES.has(code)) {
			return make('template_parameters', 'permanent', `The values sent do not fit template ${templateName}: check that the template's variables match the message fields (how many, and not too long)`);
		}
		if (code !== undefined && TEMPLATE_MISSING_CODES.has(code)) {
			return make('template_missing', 'permanent', `Template ${templateName} is not approved in this WhatsApp Business Account (wrong name or language, or paused); pick it again from the list`);
		}
	}
	if (channel === 'messenger' && (code === 551 || (code === 100 && subcode === 2018001))) {
		return make('undeliverable', 'permanent', 'Messenger cannot deliver to this person now (they are unavailable or blocked messages from the page)');
	}
	if (code !== undefined && RATE_LIMIT_CODES.has(code)) {
		return make('rate_limited', 'retryable', `${who} is sending too fast for Meta's limits; the message is sent again after a pause`);
	}
	if (code !== undefined && (ACCESS_CODES.has(code) || (code >= 200 && code <= 299))) {
		const tokenName = channel === 'whatsapp' ? 'WhatsApp access token' : 'page access token';
		return make('access_denied', 'permanent', code === 190 ? `Meta rejected the ${tokenName} (expired or revoked): create a new one and update the Meta credential` : `The ${tokenName} lacks a permission this message needs`);
	}
	if (status !== undefined && status >= 500) return make('provider_unavailable', 'retryable', `Meta's ${who} service failed (${status}); the message is sent again later`);
	if (code !== undefined && META_UNAVAILABLE_CODES.has(code) && (status === undefined || status >= 500)) {
		return make('provider_unavailable', 'retryable', `Meta's ${who} service is temporarily unavailable; the message is sent again later`);
	}
	if (status === 429) return make('rate_limited', 'retryable', `${who} is sending too fast for Meta's limits; the message is sent again after a pause`);
	return make('invalid_request', 'permanent', `${who} refused the message${status ? ` (${status})` : ''}: ${metaDetails(error) ?? 'no reason given'}`);
}

/** A request that got no answer: retryable only when it certainly never reached Meta. */
export function classifyNetworkError(channel: MetaChannel, error: { code?: string; message?: string; cause?: { code?: string } }): MetaGraphError {
	const kind = networkFailureKind(error);
	const what = error.code ?? error.cause?.code ?? error.message ?? 'no answer';
	return new MetaGraphError(
		kind === 'retryable' ? `Could not reach Meta (${what}); the message was not sent and is sent again later` : `The connection to Meta broke off (${what}); Meta may have accepted the message, so it is not sent again`,
		{ channel, reason: 'network', kind, metaMessage: error.message },
	);
}
