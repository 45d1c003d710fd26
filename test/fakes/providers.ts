// Every provider fake the shipped recovery workflow talks to, started and closed together (the workflow-level tests
// need all four: SendGrid, Twilio, Meta and OpenAI).
import { startMetaFake, type MetaFake } from './meta';
import { startOpenAiFake, type OpenAiFake } from './openai';
import { startSendGridFake, type SendGridFake } from './sendgrid';
import { startTwilioFake, type TwilioFake } from './twilio';

export interface ProviderFakes {
	sendgrid: SendGridFake;
	twilio: TwilioFake;
	meta: MetaFake;
	openai: OpenAiFake;
}

export async function startProviderFakes(): Promise<ProviderFakes> {
	const [sendgrid, twilio, meta, openai] = await Promise.all([startSendGridFake(), startTwilioFake(), startMetaFake(), startOpenAiFake()]);
	return { sendgrid, twilio, meta, openai };
}

export async function closeProviderFakes(fakes: ProviderFakes | undefined): Promise<void> {
	if (!fakes) return;
	await Promise.all([fakes.sendgrid.close(), fakes.twilio.close(), fakes.meta.close(), fakes.openai.close()]);
}
