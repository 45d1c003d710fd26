// Shared setup for the delivery tests: a fresh Postgres database per file, a store on it, carts with
// consent, and the two send nodes in a workflow run through n8n's engine in-process.
import type { IDataObject, INode } from 'n8n-workflow';

import { CartRecoveryStore, closeAllStores, PostgresTransport, type Channel } from '../../lib/store';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio';
import { connect, manualTrigger, node, runWorkflow, type RunResult } from '../harness/engine';
import { freshDatabase, type TestDatabase } from '../helpers/postgres';

let seq = 0;

export interface DeliveryEnv {
	db: TestDatabase;
	store: CartRecoveryStore;
	close(): Promise<void>;
}

export async function deliveryEnv(label: string): Promise<DeliveryEnv> {
	const db = await freshDatabase(label);
	const store = new CartRecoveryStore(new PostgresTransport({ connectionString: db.url, max: 10 }));
	await store.ready();
	return { db, store, close: async () => (await store.close(), await db.drop()) };
}

export interface SmsEnv {
	env: DeliveryEnv;
	tw: TwilioFake;
	/** Credentials for runSend: the store on the fresh database, Twilio pointed at the fake. */
	credentials: Record<string, object>;
	close(): Promise<void>;
}

/** deliveryEnv plus a Twilio fake and the credentials SMS Send runs with. */
export async function smsEnv(label: string): Promise<SmsEnv> {
	const env = await deliveryEnv(label);
	const tw = await startTwilioFake();
	const credentials = {
		cartRecoveryStoreApi: env.db.credentials,
		twilioCartRecoveryApi: { accountSid: tw.accountSid, authType: 'authToken', authToken: tw.authToken, senderType: 'phoneNumber', from: '+36209990000', baseUrl: tw.url },
	};
	return {
		env,
		tw,
		credentials,
		close: async () => {
			await closeAllStores();
			await tw.close();
			await env.close();
		},
	};
}

export interface CartOptions {
	email?: string | null;
	phone?: string | null;
	customerId?: string;
	locale?: string;
	consent?: Channel[];
	items?: Array<{ name: string; quantity: number; price: number; image_url?: string }>;
	firstName?: string;
}

/** A cart in recovery, with consent on the given channels (default email + sms). */
export async function makeCart(store: CartRecoveryStore, options: CartOptions = {}): Promise<string> {
	seq++;
	const cartId = `cart-${process.pid}-${seq}-${Math.random().toString(36).slice(2, 8)}`;
	const items = options.items ?? [{ name: 'Kávéfőző', quantity: 1, price: 12990 }];
	const email = options.email === undefined ? `vevo${seq}-${Math.random().toString(36).slice(2, 6)}@example.hu` : options.email;
	const phone = options.phone === undefined ? `+3630${String(1000000 + Math.floor(Math.random() * 8999999))}` : options.phone;
	await store.recordCartEvent(
		{
			source: 'generic',
			event_id: `${cartId}-e1`,
			type: 'cart',
			cart_id: cartId,
			customer_id: options.customerId ?? `cust-${cartId}`,
			email,
			phone,
			first_name: options.firstName ?? 'Anna',
			locale: options.locale ?? 'hu-HU',
			currency: 'HUF',
			value: items.reduce((s, i) => s + i.price * i.quantity, 0),
			items,
			restore_url: `https://shop.example.hu/cart/restore/${cartId}`,
			occurred_at: new Date(Date.now() - 45 * 60_000).toISOString(),
		},
		{ cooldownSeconds: 0 },
	);
	for (const channel of options.consent ?? ['email', 'sms']) {
		const address = channel === 'email' ? email : phone;
		if (address) await store.recordConsent({ channel, address, source: 'checkout_checkbox', wording: 'Kérek emlékeztetőt', customerId: options.customerId ?? `cust-${cartId}` });
	}
	return cartId;
}

export const SEND = 'Send';

/** Manual Trigger → the send node; items are pinned on the trigger. */
export async function runSend(
	type: 'emailSend' | 'smsSend',
	parameters: IDataObject,
	items: IDataObject[],
	credentials: Record<string, object>,
	extra: Partial<INode> = {},
): Promise<RunResult> {
	const providerCredential = type === 'emailSend' ? 'sendGridCartRecoveryApi' : 'twilioCartRecoveryApi';
	const send = node(SEND, type, parameters, {
		credentials: {
			cartRecoveryStoreApi: { id: 'store', name: 'Cart Recovery Store' },
			[providerCredential]: { id: 'provider', name: 'Provider' },
		},
		...extra,
	});
	return runWorkflow({
		nodes: [manualTrigger(), send],
		connections: connect(['Start', SEND]),
		pinData: { Start: items.map((json) => ({ json })) },
		credentials,
	});
}

/** [sent, skipped, deferred, error?] outputs of the send node. */
export function outcomes(result: RunResult) {
	const [sent = [], skipped = [], deferred = [], errors = []] = result.outputs(SEND);
	return { sent, skipped, deferred, errors };
}

export async function messageRows(env: DeliveryEnv, cartId: string) {
	const { rows } = await env.db.pool.query(
		'select stage, channel, status, provider_id, error, attempts from cart_recovery.messages where cart_id = $1 order by stage, channel',
		[cartId],
	);
	return rows as Array<{ stage: number; channel: string; status: string; provider_id: string | null; error: string | null; attempts: number }>;
}
