/**
 * Why a webhook delivery was refused. `status` is the HTTP answer (400 invalid payload, 401 sender not verified,
 * 403 Meta's GET handshake with a wrong verify token, 405 a GET where only POST is taken, 413 body too large, 415
 * not JSON); `field` names the offending field (a JSON path such as `items[2].price`) so the sender sees what to
 * fix. Nothing is stored for a refused delivery.
 */
export class IntakeError extends Error {
	constructor(
		readonly status: 400 | 401 | 403 | 405 | 413 | 415,
		message: string,
		readonly field?: string,
	) {
		super(message);
		this.name = 'IntakeError';
	}

	/** The JSON body the webhook answers with. */
	toResponse(): { accepted: false; error: string; field?: string } {
		return { accepted: false, error: this.message, ...(this.field ? { field: this.field } : {}) };
	}
}

export const invalid = (field: string, message: string) => new IntakeError(400, `${field}: ${message}`, field);
