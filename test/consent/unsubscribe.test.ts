// Unsubscribe tokens and opt-out keyword matching (pure functions; the store secret is exercised in
// store.test.ts and inside n8n in consentCheck.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
	buildUnsubscribeUrl,
	createUnsubscribeToken,
	isOneClickUnsubscribeBody,
	maskAddress,
	matchOptOutKeyword,
	tokenFromUrl,
	verifyUnsubscribeToken,
} from '../../lib/consent';

const SECRET = 'a'.repeat(32) + 'b'.repeat(32);
const OTHER = 'c'.repeat(64);

describe('unsubscribe tokens', () => {
	test('round trip per channel; the address is normalised and not readable in the URL', () => {
		const url = buildUnsubscribeUrl({ baseUrl: 'https://n8n.example.hu/webhook/unsubscribe?lang=hu', secret: SECRET, channel: 'email', address: 'Anna.Kovacs@Example.HU' });
		assert.match(url, /^https:\/\/n8n\.example\.hu\/webhook\/unsubscribe\?lang=hu&token=[A-Za-z0-9_-]+$/);
		assert.doesNotMatch(url.toLowerCase(), /anna|kovacs|example\.hu\/.*example/);
		const token = tokenFromUrl(url);
		assert.deepEqual(verifyUnsubscribeToken(token, SECRET), { channel: 'email', address: 'anna.kovacs@example.hu' });
		for (const [channel, address, expected] of [
			['sms', '06 30 123 4567', '+36301234567'],
			['whatsapp', '+36 20 111 2233', '+36201112233'],
			['messenger', '6543210987654321', '6543210987654321'],
		] as const) {
			assert.deepEqual(verifyUnsubscribeToken(createUnsubscribeToken({ secret: SECRET, channel, address }), SECRET), { channel, address: expected });
		}
	});

	test('deterministic: the same address always gets the same token; others differ', () => {
		const a = createUnsubscribeToken({ secret: SECRET, channel: 'email', address: 'x@example.hu' });
		assert.equal(createUnsubscribeToken({ secret: SECRET, channel: 'email', address: 'X@example.hu' }), a);
		assert.notEqual(createUnsubscribeToken({ secret: SECRET, channel: 'sms', address: 'x@example.hu' }), a);
		assert.notEqual(createUnsubscribeToken({ secret: OTHER, channel: 'email', address: 'x@example.hu' }), a);
	});

	test('a tampered, truncated, foreign or garbage token is rejected', () => {
		const token = createUnsubscribeToken({ secret: SECRET, channel: 'email', address: 'victim@example.hu' });
		const raw = Buffer.from(token, 'base64url');
		// Every single-bit flip anywhere in the token (channel byte, tag, ciphertext) must fail.
		let accepted = 0;
		for (let i = 0; i < raw.length; i++) {
			for (let bit = 0; bit < 8; bit++) {
				const copy = Buffer.from(raw);
				copy[i] ^= 1 << bit;
				if (verifyUnsubscribeToken(copy.toString('base64url'), SECRET)) accepted++;
			}
		}
		assert.equal(accepted, 0, 'bit-flipped tokens accepted');
		// Switching the channel byte to another channel (an attempt to unsubscribe another channel) fails.
		const otherChannel = Buffer.from(raw);
		otherChannel[1] = 0x73;
		assert.equal(verifyUnsubscribeToken(otherChannel.toString('base64url'), SECRET), null);
		assert.equal(verifyUnsubscribeToken(token.slice(0, -4), SECRET), null);
		assert.equal(verifyUnsubscribeToken(token, OTHER), null, 'token from another store');
		for (const junk of ['', 'abc', 'x'.repeat(40), '!!!!', `${token}==`]) assert.equal(verifyUnsubscribeToken(junk, SECRET), null, junk);
		// A token forged without the secret for a chosen address fails too.
		const forged = createUnsubscribeToken({ secret: OTHER, channel: 'email', address: 'victim@example.hu' });
		assert.equal(verifyUnsubscribeToken(forged, SECRET), null);
	});

	test('bad base URL and missing address are clear errors', () => {
		assert.throws(() => buildUnsubscribeUrl({ baseUrl: 'not a url', secret: SECRET, channel: 'email', address: 'a@b.hu' }), /not a valid URL/);
		assert.throws(() => createUnsubscribeToken({ secret: SECRET, channel: 'email', address: '  ' }), /needs the email address/);
		assert.throws(() => createUnsubscribeToken({ secret: '', channel: 'email', address: 'a@b.hu' }), /secret/);
	});

	test('the unsubscribe page shows the address masked: the first letter and the domain; country, area code and the last two digits', () => {
		const token = createUnsubscribeToken({ secret: SECRET, channel: 'email', address: 'Anna.Kovacs@Example.HU' });
		const { channel, address } = verifyUnsubscribeToken(token, SECRET)!;
		assert.equal(maskAddress(channel, address), 'a***@example.hu');
		for (const [ch, input, shown] of [
			['email', 'b@cipobolt.hu', 'b***@cipobolt.hu'],
			['sms', '+36301234567', '+36 30 *** **67'],
			['sms', '+3612345678', '+36 1 *** **78'],
			['whatsapp', '+36201112233', '+36 20 *** **33'],
			['sms', '+12125550123', '+1 212 *** **23'],
			['messenger', '6543210987654321', '***4321'],
			['email', 'not-an-email', '***mail'],
			['sms', '1234', '***'],
			['email', '', ''],
		] as const) {
			assert.equal(maskAddress(ch, input), shown, `${ch} ${input}`);
		}
	});
});

describe('opt-out keywords', () => {
	test('STOP and the Hungarian words match whatever the case and accents', () => {
		for (const message of ['STOP', 'stop', ' Stop! ', 'LEIRATKOZÁS', 'leiratkozas', 'Leiratkozás.', 'LEIRATKOZOM', 'leiratkozom kérem', 'Leiratkozom, köszönöm', 'unsubscribe', 'LEIRATKOZAS', 'leállítás', 'Nem kérek több SMS-t']) {
			assert.equal(matchOptOutKeyword(message).matched, true, message);
		}
		assert.equal(matchOptOutKeyword('leiratkozom').keyword, 'LEIRATKOZOM');
	});

	test('ordinary replies do not match', () => {
		for (const message of ['Stopper', 'ne stopold a rendelést', 'Köszönöm, megrendeltem', 'START', '', 'Mikor érkezik?', 'Nem', 'ENDRE vagyok']) {
			assert.equal(matchOptOutKeyword(message).matched, false, message);
		}
	});

	test('a custom list replaces the defaults', () => {
		assert.equal(matchOptOutKeyword('ÁLLJ', ['állj']).matched, true);
		assert.equal(matchOptOutKeyword('STOP', ['állj']).matched, false);
	});

	test('single-word keywords (STOP, CANCEL, END, QUIT, …) count only as the whole message, as Twilio does', () => {
		for (const message of ['Cancel my order please', 'quit smoking tips?', 'STOP please', 'stop sending the wrong size', 'End of season sale?', 'Unsubscribe me from the catalogue? no, just asking', 'revoke my order']) {
			assert.equal(matchOptOutKeyword(message).matched, false, message);
		}
		for (const message of ['CANCEL', 'cancel.', ' Quit! ', 'End', 'STOPALL', 'Opt-out', 'OPT OUT', 'revoke', '¡STOP!', 'S\u0054OP']) {
			assert.equal(matchOptOutKeyword(message).matched, true, message);
		}
		assert.equal(matchOptOutKeyword('cancel.').keyword, 'CANCEL');
	});

	test('Hungarian words and phrases may start the message', () => {
		for (const message of ['LEIRATKOZOM kérem', 'Leiratkozás!', 'NE KÜLDJENEK', 'ne küldjenek több üzenetet', 'Leállítás kérem', 'Töröljenek a listáról']) {
			assert.equal(matchOptOutKeyword(message).matched, true, message);
		}
		assert.equal(matchOptOutKeyword('ne küldjenek több üzenetet').keyword, 'NE KÜLDJENEK');
		assert.equal(matchOptOutKeyword('Ne küldjétek el a csomagot').matched, false);
	});

	test('custom lists: a single word is whole-message; a trailing * lets it start the message', () => {
		assert.equal(matchOptOutKeyword('Állj meg', ['állj']).matched, false);
		assert.equal(matchOptOutKeyword('Állj meg', ['állj*']).matched, true);
		assert.equal(matchOptOutKeyword('Állj meg', ['állj*']).keyword, 'állj');
		assert.equal(matchOptOutKeyword('Alljon meg', ['állj*']).matched, false);
	});

	test('RFC 8058 one-click body', () => {
		assert.equal(isOneClickUnsubscribeBody('List-Unsubscribe=One-Click'), true);
		assert.equal(isOneClickUnsubscribeBody({ 'List-Unsubscribe': 'One-Click' }), true);
		assert.equal(isOneClickUnsubscribeBody('List-Unsubscribe=Other'), false);
		assert.equal(isOneClickUnsubscribeBody({}), false);
		assert.equal(isOneClickUnsubscribeBody(undefined), false);
	});
});
