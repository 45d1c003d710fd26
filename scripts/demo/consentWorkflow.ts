// A demo-only workflow standing in for the webshop's checkout checkbox: a built-in Webhook receives
// { customer_id, channel, address, wording } and the Consent Check node records the consent with its proof.
// Imported beside the shipped workflows so the recovery sequence finds consent for the sample shoppers.
import type { WorkflowJson } from './workflows';

export const CONSENT_PATH = 'cart-recovery-demo/consent';

export function consentWorkflow(storeCredential: { id: string; name: string }): WorkflowJson {
	return {
		id: 'crDemoConsent001',
		name: 'Demo — record consent (the shop’s checkout checkbox)',
		nodes: [
			{
				id: '5d0c0a11-0000-4000-8000-000000000001',
				name: 'Checkout Checkbox Ticked',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '5d0c0a11-0000-4000-8000-0000000000aa',
				parameters: { httpMethod: 'POST', path: CONSENT_PATH, responseMode: 'lastNode', options: {} },
			},
			{
				id: '5d0c0a11-0000-4000-8000-000000000002',
				name: 'Record Consent',
				type: 'n8n-nodes-cart-recovery.consentCheck',
				typeVersion: 1,
				position: [260, 0],
				parameters: {
					resource: 'consent',
					operation: 'record',
					channel: '={{ $json.body.channel }}',
					address: '={{ $json.body.address }}',
					source: 'checkout_checkbox',
					wordingVersion: 'demo-checkout-2026-11',
					wording: '={{ $json.body.wording }}',
					options: { customerId: '={{ $json.body.customer_id }}' },
				},
				credentials: { cartRecoveryStoreApi: storeCredential },
			},
		],
		connections: { 'Checkout Checkbox Ticked': { main: [[{ node: 'Record Consent', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}
