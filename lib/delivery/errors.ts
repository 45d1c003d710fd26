/**
 * The provider-neutral error types, shared by the delivery pipeline and every channel's transport
 * (lib/channels/<name>/transport.ts). This module imports nothing: channels import it, delivery imports it, and
 * delivery never imports a channel's transport.
 */
/**
 * How a provider call ended when it did not succeed. The pipeline needs one fact above all: could the
 * provider have accepted the message? Only when it certainly did not may the claim be released (and the
 * message sent again); otherwise a retry could send it twice.
 *   - retryable: the provider certainly did not accept it and asks us to come back (429, 5xx before
 *     acceptance, connection refused) — retried with backoff, honouring Retry-After;
 *   - permanent: the provider refused it for good (4xx) — recorded failed, never retried;
 *   - unknown:   the request may have reached the provider (timeout, connection reset mid-response) —
 *     recorded failed with "outcome unknown", never retried, never released.
 */
export type ProviderFailureKind = 'retryable' | 'permanent' | 'unknown';

export interface ProviderErrorDetails {
	provider: string;
	kind: ProviderFailureKind;
	/** HTTP status, when there was a response. */
	status?: number;
	/** The provider's own error code (Twilio 21610, …). */
	code?: string | number;
	/** Milliseconds the provider asked us to wait (Retry-After / rate-limit reset). */
	retryAfterMs?: number;
	/** Extra provider detail (field, help link). */
	detail?: string;
}

export class ProviderError extends Error {
	readonly provider: string;
	readonly kind: ProviderFailureKind;
	readonly status?: number;
	readonly code?: string | number;
	readonly retryAfterMs?: number;
	readonly detail?: string;

	constructor(message: string, details: ProviderErrorDetails) {
		super(message);
		this.name = 'ProviderError';
		this.provider = details.provider;
		this.kind = details.kind;
		this.status = details.status;
		this.code = details.code;
		this.retryAfterMs = details.retryAfterMs;
		this.detail = details.detail;
	}

	/** One line for the message row's error column and for the node output. */
	summary(): string {
		const parts = [`${this.provider}${this.status ? ` ${this.status}` : ''}${this.code !== undefined ? ` (code ${this.code})` : ''}: ${this.message}`];
		if (this.detail) parts.push(this.detail);
		return parts.join(' — ');
	}

	toJSON() {
		return {
			provider: this.provider,
			kind: this.kind,
			status: this.status ?? null,
			code: this.code ?? null,
			message: this.message,
			detail: this.detail ?? null,
		};
	}
}

/** Network errors where the request certainly never reached the provider. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ERR_INVALID_URL', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'ERR_TLS_CERT_ALTNAME_INVALID']);

/** Classifies an error that came with no HTTP response (axios / Node network errors). */
export function networkFailureKind(error: { code?: string; cause?: { code?: string } }): ProviderFailureKind {
	const code = error.code ?? error.cause?.code;
	return code && NOT_SENT_CODES.has(code) ? 'retryable' : 'unknown';
}

/**
 * Parses Retry-After (delta seconds or HTTP date) into milliseconds from now; undefined when absent.
 * Also accepts a rate-limit reset given as epoch seconds (SendGrid's X-RateLimit-Reset).
 */
export function parseRetryAfter(
	headers: Record<string, unknown> | undefined,
	now: number = Date.now(),
): number | undefined {
	if (!headers) return undefined;
	const get = (name: string) => {
		for (const [key, value] of Object.entries(headers)) {
			if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : value === undefined || value === null ? undefined : String(value);
		}
		return undefined;
	};
	const retryAfter = get('retry-after');
	if (retryAfter !== undefined && retryAfter.trim() !== '') {
		if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.max(0, Math.round(Number(retryAfter) * 1000));
		const date = Date.parse(retryAfter);
		if (!Number.isNaN(date)) return Math.max(0, date - now);
	}
	const reset = get('x-ratelimit-reset');
	if (reset !== undefined && /^\d+$/.test(reset.trim())) {
		const ms = Number(reset) * 1000 - now;
		if (ms >= 0 && ms < 24 * 3600_000) return ms;
	}
	return undefined;
}

/** Raised for problems that are not about one provider call: a template that fails, a store that is down, a message over a limit. */
export class DeliveryError extends Error {
	constructor(
		message: string,
		readonly hint?: string,
		readonly messageId?: string,
	) {
		super(message);
		this.name = 'DeliveryError';
	}
}
