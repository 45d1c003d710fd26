import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { testShopifyConnection, testWooConnection } from '../shop/connection';

/** The Webshop credential's fields (credentials/WebshopApi.credentials.ts). */
export interface WebshopCredentials {
	platform?: 'generic' | 'shopify' | 'woocommerce' | string;
	shopUrl?: string;
	shopifyAccessToken?: string;
	shopifyApiVersion?: string;
	wooConsumerKey?: string;
	wooConsumerSecret?: string;
	webhookSecret?: string;
	/** Generic X-Signature time window in seconds (default 300). */
	signatureToleranceSeconds?: number;
	supabaseHeaderName?: string;
	supabaseHeaderSecret?: string;
}

/**
 * Shared secrets the user makes up (generic signatures, Supabase's header) are guessable when short: the Test
 * asks for at least this many characters (`openssl rand -hex 32` gives 64).
 */
export const MIN_SECRET_LENGTH = 24;

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i;

export interface WebshopTestResult {
	ok: boolean;
	message: string;
}

/** Generic (our JSON events and/or Supabase Database Webhooks): no API to call, so the secrets are what is tested. */
function testSecrets(c: WebshopCredentials): WebshopTestResult {
	const webhookSecret = String(c.webhookSecret ?? '');
	const supabaseSecret = String(c.supabaseHeaderSecret ?? '');
	if (!webhookSecret && !supabaseSecret) {
		return {
			ok: false,
			message: `Neither a Webhook Secret nor a Supabase Secret Header Value is set, so the Abandoned Cart Trigger can verify no delivery. Set one (at least ${MIN_SECRET_LENGTH} random characters, e.g. from openssl rand -hex 32).`,
		};
	}
	const tooShort = [
		['Webhook Secret', webhookSecret],
		['Supabase Secret Header Value', supabaseSecret],
	].filter(([, value]) => value && value.length < MIN_SECRET_LENGTH);
	if (tooShort.length) {
		return {
			ok: false,
			message: tooShort
				.map(([label, value]) => `${label} is ${value.length} characters long; use at least ${MIN_SECRET_LENGTH} random characters (e.g. openssl rand -hex 32)`)
				.join('. '),
		};
	}
	if (webhookSecret.trim() !== webhookSecret || supabaseSecret.trim() !== supabaseSecret) {
		return { ok: false, message: 'A secret starts or ends with a space: the shop would sign with different bytes. Remove the spaces.' };
	}
	const headerName = String(c.supabaseHeaderName ?? '').trim() || 'x-webhook-secret';
	if (supabaseSecret && !HEADER_NAME.test(headerName)) {
		return { ok: false, message: `Supabase Secret Header Name "${headerName}" is not a valid HTTP header name (letters, digits and - only, e.g. x-webhook-secret)` };
	}
	const verifies = [
		webhookSecret ? 'signed generic deliveries (X-Signature)' : '',
		supabaseSecret ? `Supabase Database Webhooks (header ${headerName})` : '',
	].filter(Boolean);
	return { ok: true, message: `No shop API to call for the Generic platform; the secrets can verify ${verifies.join(' and ')}` };
}

/** The Webshop credential Test: the shop's API for Shopify / WooCommerce, the secrets for Generic. */
export async function testWebshopCredentials(c: WebshopCredentials): Promise<WebshopTestResult> {
	const platform = String(c.platform || 'generic');
	if (platform === 'shopify') {
		return testShopifyConnection({ shopUrl: String(c.shopUrl ?? ''), accessToken: String(c.shopifyAccessToken ?? ''), apiVersion: String(c.shopifyApiVersion ?? '') });
	}
	if (platform === 'woocommerce') {
		return testWooConnection({ shopUrl: String(c.shopUrl ?? ''), consumerKey: String(c.wooConsumerKey ?? ''), consumerSecret: String(c.wooConsumerSecret ?? '') });
	}
	return testSecrets(c);
}

/**
 * Registered under `methods.credentialTest` of every node that uses the Webshop credential, which names it in
 * `testedBy`: `{ name: 'webshopApi', required: true, testedBy: 'webshopApiTest' }`. A declarative `test` cannot
 * do this (it always makes a request, and Generic has nothing to call).
 */
export async function webshopApiTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	try {
		const result = await testWebshopCredentials((credential.data ?? {}) as WebshopCredentials);
		return { status: result.ok ? 'OK' : 'Error', message: result.message };
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
}
