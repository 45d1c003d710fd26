// The canvas subtitle of each node, evaluated the way n8n's editor does (no execution data): it shows the live
// values, typed into the node or read from the workflow's Settings node.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';

import { Workflow, type INode, type INodeParameters } from 'n8n-workflow';

import { loadPackage } from '../harness/engine';

type Setting = { name: string; value: string | number | boolean; type: 'string' | 'number' | 'boolean' };

/** A Set node named "Settings" (as in the shipped workflow) holding the given fields. */
function settingsNode(fields: Setting[]): INode {
	return {
		id: randomUUID(),
		name: 'Settings',
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: [0, 0],
		parameters: { assignments: { assignments: fields.map((f) => ({ id: randomUUID(), ...f })) }, includeOtherFields: true, options: {} },
	};
}

/** The subtitle n8n's editor shows for our node `type` with `parameters`, beside a Settings node with `settings`. */
async function subtitleOf(type: string, parameters: INodeParameters, settings: Setting[] = [], typeVersion = 1): Promise<string> {
	const { nodeTypes } = await loadPackage();
	const ours: INode = { id: randomUUID(), name: 'Node', type: `n8n-nodes-cart-recovery.${type}`, typeVersion, position: [200, 0], parameters };
	const workflow = new Workflow({
		nodes: [settingsNode(settings), ours],
		connections: { Settings: { main: [[{ node: 'Node', type: 'main', index: 0 }]] } },
		nodeTypes,
		active: false,
	});
	const node = workflow.getNode('Node')!;
	const nodeType = nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const subtitle = nodeType.description.subtitle;
	assert.ok(subtitle, `${type} has a subtitle`);
	const value = workflow.expression.getSimpleParameterValue(node, subtitle, 'internal', {}, undefined, '');
	assert.equal(typeof value, 'string', `${type}: the subtitle evaluates to text, not ${JSON.stringify(value)}`);
	// n8n groups thousands with a no-break space, as Hungarian shops print amounts; compare with a plain space.
	return (value as string).replace(/\u00a0/g, ' ');
}

const setting = (name: string, value: Setting['value']): Setting => ({ name, value, type: typeof value as Setting['type'] });
const fromSettings = (field: string) => `={{ $('Settings').first().json.${field} }}`;

describe('Cart Check subtitle', () => {
	test('typed values', async () => {
		assert.equal(await subtitleOf('cartCheck', { cartId: '={{ $json.cart_id }}', inactivityMinutes: 30, minimumValue: 5000 }), 'abandoned after 30 min · from 5 000 Ft');
	});
	test('values read from Settings', async () => {
		assert.equal(
			await subtitleOf('cartCheck', { inactivityMinutes: fromSettings('idle_minutes'), minimumValue: fromSettings('minimum_cart_value'), minimumCurrency: 'EUR' }, [setting('idle_minutes', 45), setting('minimum_cart_value', 12990)]),
			'abandoned after 45 min · from 12 990 EUR',
		);
	});
	test('no minimum, and a value only known when the workflow runs', async () => {
		assert.equal(await subtitleOf('cartCheck', { inactivityMinutes: 60, minimumValue: 0 }), 'abandoned after 60 min · any value');
		assert.equal(await subtitleOf('cartCheck', { inactivityMinutes: '={{ $json.idle }}', minimumValue: 1500 }), 'abandoned after … min · from 1 500 Ft');
	});
});

describe('Discount Code subtitle', () => {
	test('Create, percentage: typed values; an unset Valid For shows its default', async () => {
		const base = { resource: 'discountCode', operation: 'create', discountType: 'percent' };
		assert.equal(await subtitleOf('discountCode', { ...base, amount: 15, options: { validityDays: 7 } }), '15 % · 7 days');
		assert.equal(await subtitleOf('discountCode', { ...base, amount: 20 }), '20 % · 7 days');
		assert.equal(await subtitleOf('discountCode', { ...base, amount: 10, options: { validityDays: 1 } }), '10 % · 1 day');
	});
	test('Create, fixed amount: the amount with its currency', async () => {
		const base = { resource: 'discountCode', operation: 'create', discountType: 'fixed' };
		assert.equal(await subtitleOf('discountCode', { ...base, amount: 2000, currency: 'HUF', options: { validityDays: 3 } }), '2 000 Ft · 3 days');
		assert.equal(await subtitleOf('discountCode', { ...base, amount: 5, currency: 'EUR', options: { validityDays: 14 } }), '5 EUR · 14 days');
	});
	test('Create: values read from Settings; another expression shows as "…"', async () => {
		const parameters = { resource: 'discountCode', operation: 'create', discountType: 'percent', amount: fromSettings('final_discount'), options: { validityDays: fromSettings('code_days') } };
		assert.equal(await subtitleOf('discountCode', parameters, [setting('final_discount', 20), setting('code_days', 5)]), '20 % · 5 days');
		assert.equal(await subtitleOf('discountCode', { ...parameters, amount: '={{ $json.discount_percent }}' }, [setting('code_days', 5)]), '… % · 5 days');
	});
	test('Create by rules: the discount for carts no tier fits, and that rules decide', async () => {
		assert.equal(await subtitleOf('discountCode', { resource: 'discountCode', operation: 'create', pricing: 'rules', amount: 10, options: { validityDays: 7 } }), '10 % by rules · 7 days');
	});
	test('the other operations in words', async () => {
		for (const [operation, words] of [['validate', 'validate a code'], ['redeem', 'redeem a code'], ['deactivate', 'deactivate a code']]) {
			assert.equal(await subtitleOf('discountCode', { resource: 'discountCode', operation }), words);
		}
	});
});

describe('Consent Check subtitle', () => {
	test('Check: the channels in words, "or" / "and" as Allowed When says', async () => {
		assert.equal(await subtitleOf('consentCheck', { resource: 'consent', operation: 'check', channels: ['email', 'sms'], mode: 'any' }), 'check email or SMS');
		assert.equal(await subtitleOf('consentCheck', { resource: 'consent', operation: 'check', channels: ['email', 'sms', 'whatsapp'], mode: 'all' }), 'check email, SMS and WhatsApp');
		assert.equal(await subtitleOf('consentCheck', { resource: 'consent', operation: 'check', channels: ['sms'] }), 'check SMS');
	});
	test('Check: channels read from Settings', async () => {
		assert.equal(
			await subtitleOf('consentCheck', { resource: 'consent', operation: 'check', channels: fromSettings('final_channel') }, [setting('final_channel', 'whatsapp')]),
			'check WhatsApp',
		);
	});
	test('the other operations in words', async () => {
		const cases: Array<[INodeParameters, string]> = [
			[{ resource: 'consent', operation: 'record', channel: 'sms' }, 'record SMS consent'],
			[{ resource: 'consent', operation: 'withdraw' }, 'withdraw consent'],
			[{ resource: 'consent', operation: 'unsubscribeUrl' }, 'build unsubscribe link'],
			[{ resource: 'customerData', operation: 'export' }, 'export customer data'],
			[{ resource: 'customerData', operation: 'erase' }, 'erase customer data'],
			[{ resource: 'customerData', operation: 'purge' }, 'purge old data'],
		];
		for (const [parameters, words] of cases) assert.equal(await subtitleOf('consentCheck', parameters), words);
	});
});

describe('Abandoned Cart Trigger subtitle', () => {
	test('the source, and a warning when deliveries are not verified', async () => {
		assert.equal(await subtitleOf('abandonedCartTrigger', { source: 'shopify' }, [], 1.1), 'from Shopify');
		assert.equal(await subtitleOf('abandonedCartTrigger', { source: 'generic', verification: 'signature' }, [], 1.1), 'from your shop');
		assert.equal(await subtitleOf('abandonedCartTrigger', { source: 'supabase', verification: 'none' }, [], 1.1), 'from Supabase · not verified');
	});
});

describe('Split Test subtitle', () => {
	const variants = (...entries: Array<[string, number | string, boolean?]>) => ({ variant: entries.map(([name, weight, holdout = false]) => ({ name, weight, holdout })) });
	test('the experiment and each variant with its share', async () => {
		assert.equal(
			await subtitleOf('splitTest', { experiment: 'discount-test', variants: variants(['A', 45], ['B', 45], ['Holdout', 10, true]) }),
			'discount-test · A 45% · B 45% · Holdout 10%',
		);
		assert.equal(await subtitleOf('splitTest', { experiment: 'three-way', variants: variants(['A', 1], ['B', 1], ['C', 1]) }), 'three-way · A 33.3% · B 33.3% · C 33.3%');
	});
	test('the defaults; a holdout not named so says it is one', async () => {
		assert.equal(await subtitleOf('splitTest', {}), 'A 50% · B 50%');
		assert.equal(await subtitleOf('splitTest', { experiment: 'x', variants: variants(['A', 90], ['Control', 10, true]) }), 'x · A 90% · Control 10% (holdout)');
	});
	test('values read from Settings; a weight only known when the workflow runs shows the shares as "…"', async () => {
		assert.equal(
			await subtitleOf('splitTest', { experiment: fromSettings('experiment'), variants: variants(['A', 80], ['Holdout', fromSettings('holdout_weight'), true]) }, [
				setting('experiment', 'winter-test'),
				setting('holdout_weight', 20),
			]),
			'winter-test · A 80% · Holdout 20%',
		);
		assert.equal(await subtitleOf('splitTest', { experiment: 'y', variants: variants(['A', 1], ['B', '={{ $json.w }}']) }), 'y · A … · B …');
	});
});
