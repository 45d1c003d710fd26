// The Meta transport inside n8n's real engine: a test-only node (registered next to our package's nodes)
// calls the WhatsApp and Messenger transports with its own IExecuteFunctions, so requests go through n8n's
// httpRequest helper against the loopback Graph API fake. The credential Test runs with n8n-core's real
// CredentialTestContext (the one n8n's server builds for the editor's Test button, whose only helper is the
// legacy `request`). No hand-made n8n helpers.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { CredentialTestContext } from 'n8n-core';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { loadPackage, manualTrigger, node, connect, runWorkflow } from '../harness/engine';
import { startMetaFake, metaErrors, type MetaFake } from '../fakes/meta';

// Loaded from the built package (dist), as the nodes are.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = () => ({
	...(require('../../dist/lib/channels/meta/credentials') as typeof import('../../lib/channels/meta/credentials')),
	...(require('../../dist/lib/channels/meta/errors') as typeof import('../../lib/channels/meta/errors')),
	...(require('../../dist/lib/channels/meta/credentialTest') as typeof import('../../lib/channels/meta/credentialTest')),
	...(require('../../dist/lib/channels/whatsapp/transport') as typeof import('../../lib/channels/whatsapp/transport')),
	...(require('../../dist/lib/channels/whatsapp/messages') as typeof import('../../lib/channels/whatsapp/messages')),
	...(require('../../dist/lib/channels/messenger/transport') as typeof import('../../lib/channels/messenger/transport')),
	...(require('../../dist/lib/channels/messenger/messages') as typeof import('../../lib/channels/messenger/messages')),
});

/** Test-only node: each input item names a call; the output item is its result or the classified error. */
class MetaProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Meta Probe',
		name: 'metaProbe',
		group: ['transform'],
		version: 1,
		description: 'Test only',
		defaults: { name: 'Meta Probe' },
		inputs: ['main'],
		outputs: ['main'],
		credentials: [{ name: 'metaCartRecoveryApi', required: true }],
		properties: [],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const l = lib();
		const credentials = l.readMetaCredentials(await this.getCredentials('metaCartRecoveryApi'));
		const out: INodeExecutionData[] = [];
		for (const item of this.getInputData()) {
			const call = item.json as { call: string; payload?: unknown };
			try {
				let result: unknown;
				if (call.call === 'whatsapp') result = await l.sendWhatsAppMessage(this, credentials, call.payload as never);
				else if (call.call === 'messenger') result = await l.sendMessengerMessage(this, credentials, call.payload as never);
				else if (call.call === 'templates') result = { templates: await l.listWhatsAppTemplates(this, credentials, { limit: 1 }) };
				else throw new Error(`unknown call ${call.call}`);
				out.push({ json: { ok: true, result: result as never } });
			} catch (error) {
				const e = error as InstanceType<typeof l.MetaGraphError>;
				out.push({ json: { ok: false, isMetaError: e instanceof l.MetaGraphError, error: e instanceof l.MetaGraphError ? (e.toJSON() as never) : String(e), retryable: e.kind === 'retryable', withdraw: !!e.withdrawConsent, deferMs: e.deferMs ?? null } });
			}
		}
		return [out];
	}
}

describe('Meta transport in n8n’s engine, against the Graph API fake', () => {
	let meta: MetaFake;
	before(async () => {
		meta = await startMetaFake();
		const { nodeTypes } = await loadPackage();
		nodeTypes.register('test.metaProbe', new MetaProbe());
	});
	after(async () => meta?.close());

	async function probe(items: Array<{ call: string; payload?: unknown }>, credentials = meta.credentials()) {
		const probeNode = node('Probe', 'test.metaProbe', {}, { credentials: { metaCartRecoveryApi: { id: 'meta', name: 'Meta' } } });
		const result = await runWorkflow({
			nodes: [manualTrigger(), probeNode],
			connections: connect(['Start', 'Probe']),
			pinData: { Start: items.map((json) => ({ json: json as never })) },
			credentials: { metaCartRecoveryApi: credentials },
		});
		assert.equal(result.status, 'success', String(result.error));
		return result.output('Probe') as Array<Record<string, any>>;
	}

	test('WhatsApp template send: Meta’s request body on the wire, bearer token, wamid and wa_id back', async () => {
		const l = lib();
		const payload = l.buildWhatsAppTemplate({ to: '+36 30 123 4567', name: 'kosar_emlekezteto', language: 'hu', body: { cart_total: '24 990 Ft', discount: '10%' }, headerImageUrl: 'https://shop.example.hu/i.jpg', couponCode: 'KOSAR-7KQ2', couponButtonIndex: 0, urlSuffix: 'r/abc', urlButtonIndex: 1 });
		const [out] = await probe([{ call: 'whatsapp', payload }]);
		assert.equal(out.ok, true, JSON.stringify(out));
		assert.match(out.result.messageId, /^wamid\./);
		assert.equal(out.result.waId, '36301234567');
		assert.equal(out.result.messageStatus, 'accepted');
		const request = meta.requests.find((r) => r.method === 'POST' && r.path === `/v25.0/${meta.phoneNumberId}/messages`)!;
		assert.equal(request.headers.authorization, `Bearer ${meta.whatsappToken}`);
		assert.match(String(request.headers['content-type']), /application\/json/);
		assert.deepEqual(request.body, payload);
	});

	test('WhatsApp interactive outside the 24-hour window → 131047 window closed, classified', async () => {
		const l = lib();
		const [closed] = await probe([{ call: 'whatsapp', payload: l.buildWhatsAppButtons({ to: '+36 30 999 0000', body: 'Szia!', buttons: [{ id: 'a', title: 'Vissza a kosárhoz' }] }) }]);
		assert.equal(closed.ok, false);
		assert.equal(closed.error.reason, 'window_closed');
		assert.equal(closed.error.code, 131047);
		assert.ok(closed.error.fbtrace_id);
		meta.whatsappWindowOpen.add('36309990000');
		const [open] = await probe([{ call: 'whatsapp', payload: l.buildWhatsAppButtons({ to: '+36 30 999 0000', body: 'Szia!', buttons: [{ id: 'a', title: 'Vissza a kosárhoz' }] }) }]);
		assert.equal(open.ok, true);
		assert.equal(open.result.messageStatus, undefined, 'message_status only comes on template sends');
	});

	test('scripted Graph errors arrive classified: 130429 retryable, 131049 deferred a day, 131050 withdraws consent, 5xx retryable, 132001 named', async () => {
		const l = lib();
		const payload = l.buildWhatsAppTemplate({ to: '+36 30 123 4567', name: 'cart_reminder', language: 'en', body: ['€42', '10%'], couponCode: 'CART10' });
		meta.script(metaErrors.rateLimited(), metaErrors.marketingCap(), metaErrors.optedOut(), metaErrors.serverError());
		const outs = await probe([1, 2, 3, 4].map(() => ({ call: 'whatsapp', payload })));
		assert.deepEqual(outs.map((o) => [o.error.reason, o.retryable]), [['rate_limited', true], ['marketing_cap', false], ['marketing_opt_out', false], ['provider_unavailable', true]]);
		assert.ok(outs[1].deferMs >= 24 * 3600_000);
		assert.equal(outs[2].withdraw, true);
		const [missing] = await probe([{ call: 'whatsapp', payload: l.buildWhatsAppTemplate({ to: '+36 30 123 4567', name: 'draft_offer', language: 'hu' }) }]);
		assert.equal(missing.error.reason, 'template_missing');
		assert.match(missing.error.message, /Template "draft_offer" \(hu\) is not approved/);
		const [params] = await probe([{ call: 'whatsapp', payload: l.buildWhatsAppTemplate({ to: '+36 30 123 4567', name: 'cart_reminder', language: 'en', body: ['only one'] }) }]);
		assert.equal(params.error.reason, 'template_parameters');
		assert.match(params.error.detail, /does not match the expected number of params/);
	});

	test('message_templates: every page through the `after` cursor, approved only', async () => {
		const [out] = await probe([{ call: 'templates' }]);
		assert.deepEqual(out.result.templates.map((t: { name: string }) => t.name), ['kosar_emlekezteto', 'cart_reminder']);
		const calls = meta.requests.filter((r) => r.path.includes('/message_templates'));
		assert.equal(calls.length, 2, 'limit 1: one call per approved template; the last page has no `next`');
		assert.ok(calls[1].path.includes('after='), 'the second page asked with the cursor');
		assert.ok(calls.every((r) => r.path.includes('status=APPROVED')));
	});

	test('Messenger carousel inside the window: RESPONSE, recipient_id and message_id back; outside it 10/2018278', async () => {
		const l = lib();
		const psid = '6789012345678901';
		const payload = l.buildMessengerCarousel(psid, [{ title: 'Kerámia bögre', subtitle: '2 × 4 990 Ft', url: 'https://shop.example.hu/r/abc', buttons: [{ type: 'web_url', url: 'https://shop.example.hu/r/abc', title: 'Vissza a kosárhoz' }, { type: 'postback', title: 'Kérem a kódot', payload: '{"code":"K1"}' }] }]);
		const [closed] = await probe([{ call: 'messenger', payload }]);
		assert.equal(closed.error.reason, 'window_closed');
		assert.equal(closed.error.subcode, 2018278);
		meta.messengerWindowOpen.add(psid);
		const [sent] = await probe([{ call: 'messenger', payload }]);
		assert.equal(sent.ok, true);
		assert.equal(sent.result.recipientId, psid);
		assert.match(sent.result.messageId, /^m_/);
		const request = meta.requests.filter((r) => r.method === 'POST' && r.path === `/v25.0/${meta.pageId}/messages`).at(-1)!;
		assert.equal(request.headers.authorization, `Bearer ${meta.pageToken}`);
		assert.equal((request.body as { messaging_type: string }).messaging_type, 'RESPONSE');
	});

	test('a wrong token → access denied (190), not retried; an unreachable base URL → retryable network error', async () => {
		const l = lib();
		const payload = l.buildWhatsAppText('+36 30 123 4567', 'Szia');
		const [bad] = await probe([{ call: 'whatsapp', payload }], meta.credentials({ whatsappAccessToken: 'EAAG-wrong' }));
		assert.equal(bad.error.reason, 'access_denied');
		assert.equal(bad.retryable, false);
		const [down] = await probe([{ call: 'whatsapp', payload }], meta.credentials({ baseUrl: 'http://127.0.0.1:9' }));
		assert.equal(down.error.reason, 'network');
		assert.equal(down.retryable, true);
	});
});

describe('Meta credential Test through n8n-core’s CredentialTestContext', () => {
	let meta: MetaFake;
	before(async () => {
		meta = await startMetaFake();
	});
	after(async () => meta?.close());

	const run = (data: Record<string, string>) =>
		lib().metaCartRecoveryTest.call(new CredentialTestContext({} as IWorkflowExecuteAdditionalData) as never, { id: 'meta', name: 'Meta', type: 'metaCartRecoveryApi', data });

	test('both parts right → OK naming the number and the page', async () => {
		const result = await run(meta.credentials());
		assert.deepEqual(result, { status: 'OK', message: `WhatsApp: sends from ${meta.displayPhoneNumber} (${meta.pageName}); templates readable. Messenger: sends as the Page “${meta.pageName}”` });
	});
	test('a wrong WhatsApp token is named', async () => {
		const result = await run(meta.credentials({ whatsappAccessToken: 'EAAG-expired' }));
		assert.equal(result.status, 'Error');
		assert.match(result.message, /^WhatsApp Access Token: Meta rejected the token/);
		assert.match(result.message, /Messenger: sends as the Page/, 'the other part still reported');
	});
	test('a wrong phone number ID is named', async () => {
		const result = await run(meta.credentials({ phoneNumberId: '999999999999999' }));
		assert.match(result.message, /^WhatsApp Phone Number ID: no WhatsApp phone number with this phone number ID/);
	});
	test('a phone number instead of its ID is named without a call', async () => {
		const before = meta.requests.length;
		const result = await run({ ...meta.credentials({ phoneNumberId: '+36 30 123 4567' }), pageId: '', pageAccessToken: '' });
		assert.match(result.message, /is not the numeric ID Meta shows under API Setup/);
		assert.equal(meta.requests.length, before);
	});
	test('a wrong business account ID is named', async () => {
		const result = await run(meta.credentials({ businessAccountId: '123456789' }));
		assert.match(result.message, /^WhatsApp Business Account ID: no business account 123456789/);
	});
	test('a Page token of another Page is named, with the Page it belongs to', async () => {
		const result = await run(meta.credentials({ pageAccessToken: meta.otherPageToken }));
		assert.match(result.message, /^Page ID: the Page access token belongs to the Page “Másik oldal”/);
	});
	test('a wrong Page token is named; an empty credential asks for one part', async () => {
		const result = await run({ ...meta.credentials({ pageAccessToken: 'EAAP-wrong' }), whatsappAccessToken: '', phoneNumberId: '' });
		assert.match(result.message, /^Page Access Token: Meta rejected the token/);
		const empty = await run({ graphVersion: 'v25.0' });
		assert.match(empty.message, /Fill in the WhatsApp part/);
	});
});
