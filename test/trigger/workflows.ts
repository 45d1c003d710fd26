// Workflow JSON for the trigger tests and the benchmark: our Abandoned Cart Trigger per source, and the same
// intake built from n8n's built-in nodes (Webhook → Postgres upsert → IF) for the side-by-side benchmark.
import type { IntakeSource } from '../../lib/intake';

export const STORE_CREDENTIAL_ID = 'crTrigStore00001';
export const WEBSHOP_CREDENTIAL_ID = 'crTrigShop000001';
export const POSTGRES_CREDENTIAL_ID = 'crTrigPg00000001';

const hex = (n: number, width = 12) => n.toString(16).padStart(width, '0');

export function triggerWorkflow(source: IntakeSource, index: number, parameters: Record<string, unknown> = {}) {
	const id = `crTrig${source.slice(0, 4)}${String(index).padStart(6, '0')}`.slice(0, 16);
	const webhookId = `7d1a2b3c-4d5e-4f60-8a9b-${hex(index)}`;
	return {
		id,
		webhookId,
		path: `${webhookId}/cart-events`,
		json: {
			id,
			name: `Abandoned cart intake (${source} ${index})`,
			nodes: [
				{
					id: `9a0b1c2d-0000-4000-8000-${hex(index * 10 + 1)}`,
					name: 'Abandoned Cart Trigger',
					type: 'n8n-nodes-cart-recovery.abandonedCartTrigger',
					typeVersion: 1.1,
					position: [0, 0],
					webhookId,
					parameters: { source, ...parameters },
					credentials: {
						webshopApi: { id: WEBSHOP_CREDENTIAL_ID, name: 'Webshop (tests)' },
						cartRecoveryStoreApi: { id: STORE_CREDENTIAL_ID, name: 'Cart Recovery Store (tests)' },
					},
				},
				{
					id: `9a0b1c2d-0000-4000-8000-${hex(index * 10 + 2)}`,
					name: 'Enrolled',
					type: 'n8n-nodes-base.noOp',
					typeVersion: 1,
					position: [220, 0],
					parameters: {},
				},
			],
			connections: { 'Abandoned Cart Trigger': { main: [[{ node: 'Enrolled', type: 'main', index: 0 }]] } },
			settings: { executionOrder: 'v1' },
			pinData: {},
		},
	};
}
