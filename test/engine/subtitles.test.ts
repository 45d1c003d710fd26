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
});
