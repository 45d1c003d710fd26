import type { ICredentialsDecrypted, ICredentialTestFunctions, INodeCredentialTestResult } from 'n8n-workflow';

import { readFacebookPage, readTokenOwner } from '../messenger/transport';
import { listWhatsAppTemplates, readWhatsAppPhoneNumber } from '../whatsapp/transport';
import { graphRoot, hasMessenger, hasWhatsApp, MetaCredentialError, readMetaCredentials, requireMessenger, requireWhatsApp, type MetaCredentials } from './credentials';
import { MetaGraphError } from './errors';
import type { GraphContext } from './transport';

/**
 * The Meta (Cart Recovery) API credential's Test, registered by the WhatsApp Send and Messenger Send nodes
 * under `methods.credentialTest` (`testedBy: 'metaCartRecoveryTest'`). It checks each part that is filled in
 * and names the wrong one:
 *   WhatsApp: GET /{phone-number-id} with the WhatsApp token (token valid? the ID a phone number it can use?),
 *             then, when a business account ID is given, GET /{waba-id}/message_templates?limit=1 (the ID
 *             right and readable, so the template list works);
 *   Messenger: GET /me with the Page token (the token valid, and which page it belongs to), then checks that
 *             page is the Page ID entered, and GET /{page-id}.
 */
export async function metaCartRecoveryTest(this: ICredentialTestFunctions, credential: ICredentialsDecrypted): Promise<INodeCredentialTestResult> {
	return await testMetaCredentials(this as unknown as GraphContext, readMetaCredentials(credential.data));
}

function explain(part: string, error: unknown, hints: { auth: string; notFound: string }): string {
	if (error instanceof MetaCredentialError) return error.message;
	if (error instanceof MetaGraphError) {
		if (error.code === 190) return `${part}: Meta rejected the token (expired, revoked or mistyped) — ${hints.auth}`;
		if (error.code === 100 || error.code === 803 || error.status === 404) return `${part}: ${hints.notFound}`;
		if (error.reason === 'access_denied') return `${part}: the token may not read this (missing permission) — ${hints.auth}`;
		if (error.reason === 'network') return `${part}: ${error.message}`;
		return `${part}: ${error.summary()}`;
	}
	return `${part}: ${(error as Error).message}`;
}

export async function testMetaCredentials(ctx: GraphContext, credentials: MetaCredentials): Promise<INodeCredentialTestResult> {
	try {
		graphRoot(credentials);
	} catch (error) {
		return { status: 'Error', message: (error as Error).message };
	}
	if (!hasWhatsApp(credentials) && !hasMessenger(credentials)) {
		return { status: 'Error', message: 'Fill in the WhatsApp part (access token and phone number ID) or the Messenger part (Page ID and Page access token)' };
	}
	const ok: string[] = [];
	const errors: string[] = [];

	if (hasWhatsApp(credentials)) {
		const tokenHint = { auth: 'check the WhatsApp access token', notFound: 'no WhatsApp phone number with this phone number ID is reachable with this token — check the phone number ID (API Setup shows it)' };
		try {
			requireWhatsApp(credentials);
			const phone = await readWhatsAppPhoneNumber(ctx, credentials);
			let line = `WhatsApp: sends from ${phone.display_phone_number ?? phone.id}${phone.verified_name ? ` (${phone.verified_name})` : ''}`;
			if (credentials.businessAccountId) {
				try {
					await listWhatsAppTemplates(ctx, credentials, { limit: 1, maxPages: 1, status: '' });
					line += '; templates readable';
				} catch (error) {
					errors.push(explain('WhatsApp Business Account ID', error, { auth: 'the token needs the whatsapp_business_management permission', notFound: `no business account ${credentials.businessAccountId} is reachable with this token — check the WhatsApp Business Account ID` }));
				}
			}
			ok.push(line);
		} catch (error) {
			const field = error instanceof MetaGraphError && error.code !== 190 && error.reason !== 'network' ? 'WhatsApp Phone Number ID' : 'WhatsApp Access Token';
			errors.push(explain(error instanceof MetaCredentialError ? 'WhatsApp' : field, error, tokenHint));
		}
	}

	if (hasMessenger(credentials)) {
		try {
			const access = requireMessenger(credentials);
			let owner;
			try {
				owner = await readTokenOwner(ctx, credentials);
			} catch (error) {
				throw Object.assign(new Error(explain('Page Access Token', error, { auth: 'generate a new Page access token', notFound: 'the token belongs to no Page' })), { explained: true });
			}
			if (owner.id && owner.id !== access.pageId) {
				errors.push(`Page ID: the Page access token belongs to the Page “${owner.name ?? owner.id}” (${owner.id}), not to Page ${access.pageId} — check the Page ID or generate the token for the right Page`);
			} else {
				try {
					const page = await readFacebookPage(ctx, credentials);
					ok.push(`Messenger: sends as the Page “${page.name ?? page.id}”`);
				} catch (error) {
					errors.push(explain('Page ID', error, { auth: 'generate a new Page access token', notFound: `no Page ${access.pageId} is reachable with this token — check the Page ID` }));
				}
			}
		} catch (error) {
			errors.push((error as { explained?: boolean }).explained ? (error as Error).message : explain('Messenger', error, { auth: 'generate a new Page access token', notFound: 'check the Page ID' }));
		}
	}

	if (errors.length) return { status: 'Error', message: [...errors, ...ok.map((line) => `(${line})`)].join('. ') };
	return { status: 'OK', message: ok.join('. ') };
}
