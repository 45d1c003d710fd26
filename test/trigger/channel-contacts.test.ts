// Per-channel contacts in the trigger's intake (issue 12): the generic format's messenger_psid, whatsapp_phone and
// whatsapp_bsuid, the same from Supabase columns (default and renamed), and a 400 naming the field for each kind of
// bad value. The store side (stored in the same call, enrollment, erasure) is test/store/channel-contacts.test.ts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { DEFAULT_MAPPING, IntakeError, receiveDelivery, type IntakeConfig, type IntakeSource } from '../../lib/intake';
import type { CartEvent } from '../../lib/store';
import { fixture, INTAKE_PATH, signed, SUPABASE_HEADER, SUPABASE_SECRET, WEBHOOK_SECRET, type Fixture } from './support';

const config = (source: IntakeSource, extra: Partial<IntakeConfig> = {}): IntakeConfig => ({
	source,
	verification: 'signature',
	secrets: { webhookSecret: WEBHOOK_SECRET, supabaseHeaderName: SUPABASE_HEADER, supabaseHeaderSecret: SUPABASE_SECRET },
	maxBodyBytes: 512 * 1024,
	mapping: DEFAULT_MAPPING,
	...extra,
});

function receive(source: IntakeSource, f: Fixture, extra?: Partial<IntakeConfig>): CartEvent {
	const { raw, headers } = signed(source, f);
	const result = receiveDelivery({ path: INTAKE_PATH, headers, rawBody: raw }, config(source, extra));
	assert.equal(result.kind, 'event', JSON.stringify(result));
	return (result as { event: CartEvent }).event;
}

function refused(source: IntakeSource, f: Fixture): IntakeError {
	const { raw, headers } = signed(source, f);
	try {
		receiveDelivery({ path: INTAKE_PATH, headers, rawBody: raw }, config(source));
	} catch (error) {
		assert.ok(error instanceof IntakeError, `expected an IntakeError, got ${error}`);
		return error;
	}
	assert.fail(`accepted: ${JSON.stringify(f.body).slice(0, 200)}`);
}

const PSID = '24680135792468013';
const BSUID = 'HU.13491208655302741918';

test('generic: messenger_psid, whatsapp_phone (any notation → E.164) and whatsapp_bsuid map to the event; absent ones stay absent', () => {
	const f = fixture('generic/cart');
	Object.assign(f.body, { messenger_psid: ` ${PSID} `, whatsapp_phone: '06 70 123 4567', whatsapp_bsuid: BSUID });
	const event = receive('generic', f);
	assert.deepEqual([event.messenger_psid, event.whatsapp_phone, event.whatsapp_bsuid], [PSID, '+36701234567', BSUID]);
	assert.equal(event.phone, '+36301112233', 'the SMS phone is its own field');

	const parent = fixture('generic/cart');
	Object.assign(parent.body, { whatsapp_bsuid: 'US.ENT.11815799212886844830', messenger_psid: 1234567890 });
	const p = receive('generic', parent);
	assert.equal(p.whatsapp_bsuid, 'US.ENT.11815799212886844830', 'a parent BSUID (ENT) is a BSUID too');
	assert.equal(p.messenger_psid, '1234567890', 'a PSID small enough for a JSON number is kept');

	const plain = receive('generic', fixture('generic/cart'));
	assert.ok(!('messenger_psid' in plain) && !('whatsapp_phone' in plain) && !('whatsapp_bsuid' in plain));
	const nulls = fixture('generic/cart');
	Object.assign(nulls.body, { messenger_psid: null, whatsapp_phone: '', whatsapp_bsuid: null });
	const n = receive('generic', nulls);
	assert.deepEqual([n.messenger_psid, n.whatsapp_phone, n.whatsapp_bsuid], [undefined, undefined, undefined]);
});

test('generic: a WhatsApp number that is not a phone number, a PSID or BSUID of the wrong form → 400 naming the field', () => {
	const cases: Array<[string, unknown, RegExp]> = [
		['whatsapp_phone', 'call me on WhatsApp', /whatsapp_phone: must be a phone number/],
		['whatsapp_phone', '+36 1', /whatsapp_phone: must be a phone number/],
		['whatsapp_phone', '12', /whatsapp_phone: must be a phone number/],
		['whatsapp_phone', { number: '+36701234567' }, /whatsapp_phone: must be a phone number/],
		['messenger_psid', 'psid-abc', /messenger_psid: must be a Messenger page-scoped ID \(PSID\)/],
		['messenger_psid', 24680135792468013, /messenger_psid: must be a string: this number is too long/],
		['messenger_psid', ['1'], /messenger_psid: must be a string, not an array/],
		['messenger_psid', '1'.repeat(65), /messenger_psid: must be a Messenger page-scoped ID/],
		['whatsapp_bsuid', '+36701234567', /whatsapp_bsuid: must be a WhatsApp business-scoped user ID, e.g. US\.13491208655302741918/],
		['whatsapp_bsuid', 'hu.123', /whatsapp_bsuid: must be a WhatsApp business-scoped user ID/],
		['whatsapp_bsuid', 'HU.12 34', /whatsapp_bsuid: must be a WhatsApp business-scoped user ID/],
		['whatsapp_bsuid', 42, /whatsapp_bsuid: must be a string, not a number/],
	];
	for (const [field, value, message] of cases) {
		const f = fixture('generic/cart');
		f.body[field] = value;
		const error = refused('generic', f);
		assert.deepEqual([error.status, error.field], [400, field], `${field}=${JSON.stringify(value)}: ${error.message}`);
		assert.match(error.message, message);
		assert.deepEqual(error.toResponse(), { accepted: false, error: error.message, field });
	}
});

test('Supabase: the contacts come from the default columns, or from renamed ones; an unusable number is dropped like the phone', () => {
	const f = fixture('supabase/insert');
	Object.assign(f.body.record as object, { messenger_psid: PSID, whatsapp_phone: '+36 70 123 4567', whatsapp_bsuid: BSUID });
	const event = receive('supabase', f);
	assert.deepEqual([event.messenger_psid, event.whatsapp_phone, event.whatsapp_bsuid], [PSID, '+36701234567', BSUID]);

	const renamed = fixture('supabase/insert');
	Object.assign(renamed.body.record as object, { fb_psid: PSID, wa_number: '0036701234567', wa_user_id: BSUID });
	const mapping = { ...DEFAULT_MAPPING, supabaseColumns: { ...DEFAULT_MAPPING.supabaseColumns, messengerPsid: 'fb_psid', whatsappPhone: 'wa_number', whatsappBsuid: 'wa_user_id' } };
	const r = receive('supabase', renamed, { mapping });
	assert.deepEqual([r.messenger_psid, r.whatsapp_phone, r.whatsapp_bsuid], [PSID, '+36701234567', BSUID]);

	const without = receive('supabase', fixture('supabase/insert'));
	assert.deepEqual([without.messenger_psid, without.whatsapp_phone, without.whatsapp_bsuid], [undefined, undefined, undefined], 'a table without the columns');

	const unusable = fixture('supabase/insert');
	Object.assign(unusable.body.record as object, { whatsapp_phone: 'n/a', whatsapp_bsuid: 'none', messenger_psid: 'unknown' });
	const u = receive('supabase', unusable);
	assert.deepEqual([u.whatsapp_phone, u.whatsapp_bsuid, u.messenger_psid, u.email], [undefined, undefined, undefined, 'szabo.eva@example.hu']);
});

test('Supabase: a contact column of the wrong type, or a PSID stored as a number that lost digits → 400 naming the column', () => {
	for (const [column, value, message] of [
		['messenger_psid', 24680135792468013, /record\.messenger_psid: must be a string: this number is too long/],
		['messenger_psid', { id: PSID }, /record\.messenger_psid: must be a string, not an object/],
		['whatsapp_bsuid', true, /record\.whatsapp_bsuid: must be a string, not a boolean/],
	] as const) {
		const f = fixture('supabase/insert');
		(f.body.record as Record<string, unknown>)[column] = value;
		const error = refused('supabase', f);
		assert.deepEqual([error.status, error.field], [400, `record.${column}`], error.message);
		assert.match(error.message, message);
	}
});

test('the JSON Schema documents the three contacts, and its example with them is accepted as it stands', () => {
	const schema = JSON.parse(readFileSync(require.resolve('../../lib/intake/cart-event.schema.json'), 'utf8'));
	for (const field of ['messenger_psid', 'whatsapp_phone', 'whatsapp_bsuid']) {
		assert.ok(schema.properties[field]?.description?.length > 40, `${field} is described`);
	}
	const example = schema.examples.find((e: Record<string, unknown>) => e.whatsapp_bsuid);
	assert.ok(example, 'an example names the channel contacts');
	const event = receive('generic', { headers: { 'content-type': 'application/json' }, body: example });
	assert.deepEqual([event.messenger_psid, event.whatsapp_phone, event.whatsapp_bsuid], [example.messenger_psid, example.whatsapp_phone, example.whatsapp_bsuid]);
	assert.equal(event.email, null);
	assert.equal(event.phone, null);
	for (const bad of ['psid', '+36701234567x']) assert.doesNotMatch(bad, new RegExp(schema.properties.messenger_psid.pattern));
	assert.match(BSUID, new RegExp(schema.properties.whatsapp_bsuid.pattern));
	assert.doesNotMatch('+36701234567', new RegExp(schema.properties.whatsapp_bsuid.pattern));
});
