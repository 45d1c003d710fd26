// The packed package in a real n8n server: Email Send, SMS Send and WhatsApp Send load from the community-package folder
// with their credentials, and each credential's Test works through n8n's own endpoint (the editor's Test
// button, POST /rest/credentials/test) against the loopback SendGrid, Twilio and Meta Graph fakes.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startSendGridFake, type SendGridFake } from '../fakes/sendgrid';
import { startMetaFake, type MetaFake } from '../fakes/meta';
import { startTwilioFake, type TwilioFake } from '../fakes/twilio';
import { nodeType, startN8n, type N8nServer } from '../harness/server';

describe('Email Send / SMS Send / WhatsApp Send in a real n8n server', () => {
	let n8n: N8nServer;
	let sg: SendGridFake;
	let tw: TwilioFake;
	let meta: MetaFake;

	before(async () => {
		sg = await startSendGridFake();
		tw = await startTwilioFake();
		meta = await startMetaFake();
		n8n = await startN8n({ label: 'delivery-creds' });
	});
	after(async () => {
		await n8n?.stop();
		await sg?.close();
		await tw?.close();
		await meta?.close();
	});

	test('n8n lists the send nodes with the store and provider credentials, three outputs each', async () => {
		const out = path.join(n8n.userFolder, 'nodes.json');
		await n8n.cli(['export:nodes', `--output=${out}`]);
		const exported = JSON.parse(readFileSync(out, 'utf8')) as Array<{ name: string; outputNames?: string[]; credentials?: Array<{ name: string }> }>;
		for (const [name, credential] of [
			['emailSend', 'sendGridCartRecoveryApi'],
			['smsSend', 'twilioCartRecoveryApi'],
			['whatsAppSend', 'metaCartRecoveryApi'],
		]) {
			const type = exported.find((n) => n.name === nodeType(name));
			assert.ok(type, `export:nodes lists ${nodeType(name)}`);
			assert.deepEqual(type.credentials?.map((c) => c.name), ['cartRecoveryStoreApi', credential]);
			assert.deepEqual(type.outputNames, ['Sent', 'Skipped', 'Deferred']);
		}
	});

	test('SendGrid credential Test: OK with a mail.send key, a clear error for a bad key', async () => {
		const data = { apiKey: sg.apiKey, fromEmail: 'bolt@shop.example.hu', fromName: 'Shop', region: 'custom', baseUrl: sg.url };
		const ok = await n8n.testCredential('sendGridCartRecoveryApi', data);
		assert.deepEqual(ok, { status: 'OK', message: `Connected to ${sg.url}; the key may send mail` });
		const bad = await n8n.testCredential('sendGridCartRecoveryApi', { ...data, apiKey: 'SG.revoked' });
		assert.equal(bad.status, 'Error');
		assert.match(bad.message, /rejected the API key/);
		assert.ok(sg.requests.some((r) => r.path === '/v3/scopes'), 'n8n called the fake');
	});

	test('Twilio credential Test: OK with an API key, a clear error for a wrong token', async () => {
		const ok = await n8n.testCredential('twilioCartRecoveryApi', {
			accountSid: tw.accountSid,
			authType: 'apiKey',
			apiKeySid: tw.apiKeySid,
			apiKeySecret: tw.apiKeySecret,
			senderType: 'messagingService',
			messagingServiceSid: 'MG0123456789abcdef0123456789abcdef',
			baseUrl: tw.url,
		});
		assert.deepEqual(ok, { status: 'OK', message: 'Connected to Twilio account Cart Recovery test account' });
		const bad = await n8n.testCredential('twilioCartRecoveryApi', { accountSid: tw.accountSid, authType: 'authToken', authToken: 'wrong', senderType: 'phoneNumber', from: '+36209990000', baseUrl: tw.url });
		assert.equal(bad.status, 'Error');
		assert.match(bad.message, /Twilio rejected the credentials/);
	});

	test('Meta credential Test (through WhatsApp Send): OK names the sending number, a wrong token names the field', async () => {
		const data = { ...meta.credentials(), pageId: '', pageAccessToken: '' };
		const ok = await n8n.testCredential('metaCartRecoveryApi', data);
		assert.deepEqual(ok, { status: 'OK', message: `WhatsApp: sends from ${meta.displayPhoneNumber} (${meta.pageName}); templates readable` });
		const bad = await n8n.testCredential('metaCartRecoveryApi', { ...data, whatsappAccessToken: 'EAAGrevoked' });
		assert.equal(bad.status, 'Error');
		assert.match(bad.message, /^WhatsApp Access Token: Meta rejected the token/);
		assert.ok(meta.requests.some((r) => r.path.includes('/message_templates')), 'n8n called the fake');
	});
});
