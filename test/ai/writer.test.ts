// The offline writer the demo and the node tests will use (test/fakes/openai.ts templateWriter), end to end through
// the real transport (lib/ai/transport.ts writeOffer, the openai SDK) and the guardrails (lib/ai/guardrails.ts): its
// copy must pass every guardrail in both languages, every stage, all four channels, with and without a code — so a
// fallback in the demo would mean a real regression, not a writer that cannot follow the rules.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { checkOffer } from '../../lib/ai/guardrails';
import { aiClient, writeOffer } from '../../lib/ai/transport';
import type { OfferInput } from '../../lib/ai/types';
import { startOpenAiFake, type OpenAiFake } from '../fakes/openai';

let fake: OpenAiFake;
before(async () => {
	fake = await startOpenAiFake();
});
after(async () => fake?.close());

const base: Omit<OfferInput, 'language' | 'stage'> = {
	tone: 'friendly',
	shopName: 'Kávémanufaktúra',
	firstName: 'Anna',
	items: [
		{ name: 'Etióp Yirgacheffe szemes kávé, 1 kg', quantity: 1, price: 8990 },
		{ name: 'Kotyogós kávéfőző, 6 személyes', quantity: 1, price: 12990 },
	],
	value: 21980,
	currency: 'HUF',
	restoreUrl: 'https://kavemanufaktura.example.hu/kosar/demo-1',
	channels: ['email', 'sms', 'whatsapp', 'messenger'],
	smsMaxSegments: 2,
};

test('the offline template writer passes every guardrail: HU and EN, stages 1–3, with and without a code', async () => {
	const client = aiClient({ apiKey: fake.apiKey, baseUrl: fake.baseUrl, model: 'gpt-4o-mini' });
	for (const language of ['hu', 'en'] as const) {
		for (const stage of [1, 2, 3]) {
			for (const discount of [null, { code: 'KOSAR-AB12CD34', kind: 'percent' as const, amount: 10, validUntil: '2026-12-09T22:59:00Z' }]) {
				const input: OfferInput = { ...base, language, stage, discount };
				const { copy } = await writeOffer(client, 'gpt-4o-mini', input);
				assert.deepEqual(checkOffer(copy, input), [], `${language} stage ${stage} ${discount ? 'with' : 'without'} a code: ${JSON.stringify(copy)}`);
			}
		}
	}
});
