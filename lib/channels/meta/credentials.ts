/**
 * The Meta (Cart Recovery) API credential as the code reads it: one credential for both Meta channels, since a
 * shop usually has one Meta app and one Business portfolio. Every part is optional on its own; a channel
 * checks that its own parts are there (`requireWhatsApp` / `requireMessenger`) and names the missing one.
 */
export const META_CREDENTIAL = 'metaCartRecoveryApi';

export const DEFAULT_GRAPH_VERSION = 'v25.0';
export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';

export interface MetaCredentials {
	whatsappAccessToken?: string;
	phoneNumberId?: string;
	businessAccountId?: string;
	pageId?: string;
	pageAccessToken?: string;
	appSecret?: string;
	/** The phrase Meta's webhook subscription handshake (GET hub.verify_token) must carry. */
	verifyToken?: string;
	graphVersion?: string;
	baseUrl?: string;
}

export interface WhatsAppAccess {
	token: string;
	phoneNumberId: string;
	businessAccountId?: string;
}

export interface MessengerAccess {
	token: string;
	pageId: string;
}

/** A part of the credential that a channel needs is empty. */
export class MetaCredentialError extends Error {
	constructor(
		message: string,
		readonly field: keyof MetaCredentials,
	) {
		super(message);
		this.name = 'MetaCredentialError';
	}
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : value === undefined || value === null ? '' : String(value).trim());

/** The credential data as n8n hands it over (every value may be missing or not a string), tidied. */
export function readMetaCredentials(data: object | undefined): MetaCredentials {
	const d = (data ?? {}) as Record<string, unknown>;
	return {
		whatsappAccessToken: text(d.whatsappAccessToken),
		phoneNumberId: text(d.phoneNumberId),
		businessAccountId: text(d.businessAccountId),
		pageId: text(d.pageId),
		pageAccessToken: text(d.pageAccessToken),
		appSecret: text(d.appSecret),
		verifyToken: text(d.verifyToken),
		graphVersion: text(d.graphVersion),
		baseUrl: text(d.baseUrl),
	};
}

/** "v25.0" from "v25.0", "25.0" or "25"; the default when empty. */
export function graphVersion(credentials: MetaCredentials): string {
	const raw = (credentials.graphVersion ?? '').trim();
	if (!raw) return DEFAULT_GRAPH_VERSION;
	const m = /^v?(\d+)(?:\.(\d+))?$/i.exec(raw);
	if (!m) throw new MetaCredentialError(`The Graph API version "${raw}" is not a version like v25.0`, 'graphVersion');
	return `v${m[1]}.${m[2] ?? '0'}`;
}

/** The Graph API address with its version, without a trailing slash: https://graph.facebook.com/v25.0 */
export function graphRoot(credentials: MetaCredentials): string {
	const base = (credentials.baseUrl ?? '').trim().replace(/\/+$/, '') || DEFAULT_GRAPH_BASE_URL;
	if (!/^https?:\/\//i.test(base)) throw new MetaCredentialError(`The base URL "${base}" must start with https://`, 'baseUrl');
	return `${base}/${graphVersion(credentials)}`;
}

export function requireWhatsApp(credentials: MetaCredentials): WhatsAppAccess {
	if (!credentials.whatsappAccessToken) throw new MetaCredentialError('The Meta credential has no WhatsApp access token', 'whatsappAccessToken');
	if (!credentials.phoneNumberId) throw new MetaCredentialError('The Meta credential has no WhatsApp phone number ID', 'phoneNumberId');
	if (!/^\d+$/.test(credentials.phoneNumberId)) {
		throw new MetaCredentialError(`The WhatsApp phone number ID "${credentials.phoneNumberId}" is not the numeric ID Meta shows under API Setup (it is not the phone number itself)`, 'phoneNumberId');
	}
	return { token: credentials.whatsappAccessToken, phoneNumberId: credentials.phoneNumberId, businessAccountId: credentials.businessAccountId || undefined };
}

export function requireBusinessAccount(credentials: MetaCredentials): WhatsAppAccess & { businessAccountId: string } {
	const access = requireWhatsApp(credentials);
	if (!access.businessAccountId) throw new MetaCredentialError('The Meta credential has no WhatsApp Business Account ID, needed to list the approved templates', 'businessAccountId');
	return { ...access, businessAccountId: access.businessAccountId };
}

export function requireMessenger(credentials: MetaCredentials): MessengerAccess {
	if (!credentials.pageAccessToken) throw new MetaCredentialError('The Meta credential has no Facebook Page access token', 'pageAccessToken');
	if (!credentials.pageId) throw new MetaCredentialError('The Meta credential has no Facebook Page ID', 'pageId');
	return { token: credentials.pageAccessToken, pageId: credentials.pageId };
}

export const hasWhatsApp = (c: MetaCredentials) => !!(c.whatsappAccessToken || c.phoneNumberId);
export const hasMessenger = (c: MetaCredentials) => !!(c.pageAccessToken || c.pageId);
