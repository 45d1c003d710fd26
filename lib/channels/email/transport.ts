import { MailService } from '@sendgrid/mail';

import { networkFailureKind, parseRetryAfter, ProviderError } from '../../delivery/errors';

/** SendGrid's API hosts: the global one and the EU data-residency one (an EU subuser's key only works there). */
export const SENDGRID_HOSTS = { global: 'https://api.sendgrid.com', eu: 'https://api.eu.sendgrid.com' } as const;

export interface SendGridCredentials {
	apiKey: string;
	fromEmail: string;
	fromName?: string;
	replyTo?: string;
	/** global | eu | custom (baseUrl) */
	region?: 'global' | 'eu' | 'custom';
	baseUrl?: string;
}

export function sendGridBaseUrl(credentials: SendGridCredentials): string {
	if (credentials.region === 'custom' && credentials.baseUrl?.trim()) return credentials.baseUrl.trim().replace(/\/+$/, '');
	return credentials.region === 'eu' ? SENDGRID_HOSTS.eu : SENDGRID_HOSTS.global;
}

/** One email for POST /v3/mail/send. */
export interface SendGridMail {
	to: { email: string; name?: string };
	subject: string;
	html: string;
	text: string;
	/** e.g. List-Unsubscribe, List-Unsubscribe-Post */
	headers: Record<string, string>;
	/** Stored by SendGrid for a long time and echoed in events: our message id only, never personal data. */
	customArgs: Record<string, string>;
	/** Up to 10 (SendGrid's limit): campaign, stage. */
	categories: string[];
	/** Validate without delivering (mail_settings.sandbox_mode). */
	sandbox?: boolean;
	/** Replaces the credential's From Name for this email (the address stays the verified sender). */
	fromName?: string;
	replyTo?: string;
}

export interface SendGridAccepted {
	providerId: string | null;
	status: number;
}

const PROVIDER = 'SendGrid';

/** A mail client bound to one credential; the base URL is overridable (EU host, a loopback fake in tests). */
export class SendGridClient {
	private readonly mail: MailService;
	readonly baseUrl: string;

	constructor(
		private readonly credentials: SendGridCredentials,
		options: { timeoutMs?: number } = {},
	) {
		if (!credentials.apiKey?.trim()) throw new Error('The SendGrid credential has no API key');
		this.mail = new MailService();
		this.mail.setApiKey(credentials.apiKey.trim()); // sets the global host: set ours after it
		this.baseUrl = sendGridBaseUrl(credentials);
		const client = (this.mail as unknown as { client: { setDefaultRequest(k: string, v: unknown): void } }).client;
		client.setDefaultRequest('baseUrl', `${this.baseUrl}/`);
		this.mail.setTimeout(options.timeoutMs ?? 20_000);
	}

	/** The request body @sendgrid/mail sends, in SendGrid's own field names (for tests and docs). */
	mailData(mail: SendGridMail) {
		const from = { email: this.credentials.fromEmail.trim(), name: mail.fromName?.trim() || this.credentials.fromName?.trim() || undefined };
		const replyTo = mail.replyTo?.trim() || this.credentials.replyTo?.trim();
		return {
			to: mail.to,
			from,
			...(replyTo ? { replyTo } : {}),
			subject: mail.subject,
			text: mail.text,
			html: mail.html,
			headers: mail.headers,
			customArgs: mail.customArgs,
			categories: mail.categories.map((c) => c.slice(0, 255)).slice(0, 10),
			...(mail.sandbox ? { mailSettings: { sandboxMode: { enable: true } } } : {}),
		};
	}

	async send(mail: SendGridMail): Promise<SendGridAccepted> {
		try {
			const [response] = await this.mail.send(this.mailData(mail) as never);
			const headers = response.headers as Record<string, string>;
			return { providerId: headers['x-message-id'] ?? null, status: response.statusCode };
		} catch (error) {
			throw toSendGridError(error);
		}
	}
}

interface SendGridErrorBody {
	errors?: Array<{ message?: string; field?: string | null; help?: string | null }>;
}

/** Maps a @sendgrid/client failure to a ProviderError: 429 and 5xx retryable, other 4xx permanent. */
export function toSendGridError(error: unknown): ProviderError {
	const e = error as { code?: number | string; message?: string; response?: { body?: unknown; headers?: Record<string, unknown> } };
	if (e.response && typeof e.code === 'number') {
		const status = e.code;
		const body = (e.response.body ?? {}) as SendGridErrorBody;
		const errors = Array.isArray(body.errors) ? body.errors : [];
		const message = errors.map((x) => x.message).filter(Boolean).join('; ') || e.message || `HTTP ${status}`;
		const detail = errors
			.map((x) => [x.field ? `field ${x.field}` : '', x.help ? `help: ${x.help}` : ''].filter(Boolean).join(', '))
			.filter(Boolean)
			.join('; ');
		const kind = status === 429 || status >= 500 ? 'retryable' : 'permanent';
		const hint = status === 401 ? ' (check the API key)' : status === 403 ? ' (the API key lacks the mail.send permission, or the sender is not verified)' : '';
		return new ProviderError(message + hint, {
			provider: PROVIDER,
			kind,
			status,
			retryAfterMs: kind === 'retryable' ? parseRetryAfter(e.response.headers) : undefined,
			detail: detail || undefined,
		});
	}
	return new ProviderError(e?.message ?? String(error), { provider: PROVIDER, kind: networkFailureKind(e as { code?: string }) });
}

/** The credential Test: the key must be valid and allowed to send mail (GET /v3/scopes lists its permissions). */
export async function testSendGridCredentials(credentials: SendGridCredentials): Promise<{ ok: boolean; message: string }> {
	const base = sendGridBaseUrl(credentials);
	try {
		const response = await fetch(`${base}/v3/scopes`, { headers: { Authorization: `Bearer ${credentials.apiKey?.trim()}` }, signal: AbortSignal.timeout(10_000) });
		const body = (await response.json().catch(() => ({}))) as { scopes?: string[] } & SendGridErrorBody;
		if (response.status === 401) return { ok: false, message: `SendGrid (${base}) rejected the API key: ${body.errors?.[0]?.message ?? 'unauthorized'}. An EU subuser's key works only with the EU host.` };
		if (!response.ok) return { ok: false, message: `SendGrid (${base}) answered ${response.status}: ${body.errors?.[0]?.message ?? response.statusText}` };
		if (Array.isArray(body.scopes) && !body.scopes.includes('mail.send')) {
			return { ok: false, message: 'The API key is valid but lacks the "Mail Send" permission' };
		}
		if (!credentials.fromEmail?.trim()) return { ok: false, message: 'Set the From Email (a verified sender or an address on an authenticated domain)' };
		return { ok: true, message: `Connected to ${base}; the key may send mail` };
	} catch (error) {
		return { ok: false, message: `Could not reach SendGrid at ${base}: ${(error as Error).message}` };
	}
}
