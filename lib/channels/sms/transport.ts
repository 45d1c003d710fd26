import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

import { networkFailureKind, parseRetryAfter, ProviderError } from '../../delivery/errors';

export const TWILIO_API = 'https://api.twilio.com';

export interface TwilioCredentials {
	accountSid: string;
	authType?: 'authToken' | 'apiKey';
	authToken?: string;
	apiKeySid?: string;
	apiKeySecret?: string;
	/** With an API Key: the account's Auth Token, only to check webhook signatures (Twilio signs with it, never with a key). */
	webhookAuthToken?: string;
	/** Sender: a Messaging Service SID (MG…) or a phone number / alphanumeric sender id. */
	senderType?: 'phoneNumber' | 'messagingService';
	from?: string;
	messagingServiceSid?: string;
	/** Replaces https://api.twilio.com (a regional/edge host, or a loopback fake in tests). */
	baseUrl?: string;
}

/** Twilio error codes the pipeline treats specially. */
export const TWILIO_ERRORS = {
	/** The recipient replied STOP: Twilio blocks the number. We record the withdrawal of SMS consent. */
	UNSUBSCRIBED: 21610,
	/** Invalid 'To' phone number. */
	INVALID_TO: 21211,
	/** 'To' is not a mobile number / cannot receive SMS. */
	NOT_MOBILE: 21614,
	/** Rate limit (HTTP 429). */
	TOO_MANY_REQUESTS: 20429,
} as const;

/** Twilio refuses a longer Body (error 21617), whatever the encoding. */
export const TWILIO_MAX_BODY_CHARACTERS = 1600;

const PROVIDER = 'Twilio';

/**
 * twilio's RequestClient with the API origin swapped for `baseUrl` (twilio-node only knows edges/regions
 * of *.twilio.com). Keeps the last response headers so a 429's Retry-After is honoured.
 */
class BaseUrlRequestClient extends twilio.RequestClient {
	lastHeaders?: Record<string, unknown>;

	constructor(private readonly baseUrl: string | undefined) {
		super({ timeout: 20_000, autoRetry: false, keepAlive: false });
	}

	async request<TData>(opts: RequestClient.RequestOptions<TData>) {
		let uri = opts.uri;
		if (this.baseUrl) {
			const target = new URL(uri);
			const base = new URL(this.baseUrl);
			uri = `${base.origin}${base.pathname.replace(/\/+$/, '')}${target.pathname}${target.search}`;
		}
		this.lastHeaders = undefined;
		const response = await super.request<TData>({ ...opts, uri });
		this.lastHeaders = response.headers as Record<string, unknown>;
		return response;
	}
}

export interface TwilioSms {
	to: string;
	body: string;
	statusCallback?: string;
}

export interface TwilioAccepted {
	providerId: string;
	status: string;
	numSegments: number | null;
}

export class TwilioSmsClient {
	private readonly http: BaseUrlRequestClient;
	private readonly client: ReturnType<typeof twilio>;

	constructor(private readonly credentials: TwilioCredentials) {
		const sid = credentials.accountSid?.trim();
		if (!sid) throw new Error('The Twilio credential has no Account SID');
		this.http = new BaseUrlRequestClient(credentials.baseUrl?.trim() || undefined);
		const [username, password] =
			credentials.authType === 'apiKey'
				? [credentials.apiKeySid?.trim(), credentials.apiKeySecret?.trim()]
				: [sid, credentials.authToken?.trim()];
		if (!username || !password) {
			throw new Error(credentials.authType === 'apiKey' ? 'The Twilio credential needs the API Key SID and secret' : 'The Twilio credential has no Auth Token');
		}
		this.client = twilio(username, password, { accountSid: sid, httpClient: this.http, autoRetry: false });
	}

	/** The form fields twilio-node posts to /2010-04-01/Accounts/{Sid}/Messages.json (camelCase there). */
	messageParams(sms: TwilioSms) {
		const useService = this.credentials.senderType === 'messagingService' || (!this.credentials.from?.trim() && !!this.credentials.messagingServiceSid?.trim());
		const sender = useService ? { messagingServiceSid: this.credentials.messagingServiceSid?.trim() } : { from: this.credentials.from?.trim() };
		if (!Object.values(sender)[0]) throw new Error('The Twilio credential needs a From number or a Messaging Service SID');
		return { to: sms.to, body: sms.body, ...sender, ...(sms.statusCallback ? { statusCallback: sms.statusCallback } : {}) };
	}

	async send(sms: TwilioSms): Promise<TwilioAccepted> {
		const params = this.messageParams(sms);
		try {
			const message = await this.client.messages.create(params);
			return { providerId: message.sid, status: message.status, numSegments: message.numSegments ? Number(message.numSegments) : null };
		} catch (error) {
			throw toTwilioError(error, this.http.lastHeaders);
		}
	}

	/** Credential Test: fetch the account (GET /2010-04-01/Accounts/{Sid}.json). */
	async test(): Promise<{ ok: boolean; message: string }> {
		try {
			const account = await this.client.api.v2010.accounts(this.credentials.accountSid.trim()).fetch();
			if (account.status !== 'active') return { ok: false, message: `The Twilio account is ${account.status}` };
			try {
				this.messageParams({ to: '+10000000000', body: 'test' });
			} catch (error) {
				return { ok: false, message: (error as Error).message };
			}
			return { ok: true, message: `Connected to Twilio account ${account.friendlyName}` };
		} catch (error) {
			const e = toTwilioError(error, this.http.lastHeaders);
			return { ok: false, message: e.status === 401 ? 'Twilio rejected the credentials (Account SID with Auth Token, or API Key SID with its secret)' : e.summary() };
		}
	}
}

/** Maps a twilio-node failure: 429 and 5xx retryable, other 4xx permanent (with Twilio's error code). */
export function toTwilioError(error: unknown, headers?: Record<string, unknown>): ProviderError {
	const e = error as { status?: number; code?: number | string; message?: string; moreInfo?: string; response?: { headers?: Record<string, unknown> } };
	if (typeof e.status === 'number' && e.status >= 400) {
		const kind = e.status === 429 || e.status >= 500 ? 'retryable' : 'permanent';
		return new ProviderError(e.message || `HTTP ${e.status}`, {
			provider: PROVIDER,
			kind,
			status: e.status,
			code: e.code,
			retryAfterMs: kind === 'retryable' ? parseRetryAfter(headers) : undefined,
			detail: e.moreInfo,
		});
	}
	return new ProviderError(e?.message ?? String(error), { provider: PROVIDER, kind: networkFailureKind(e as { code?: string }) });
}
