/** A store call failed; `code` is the Postgres SQLSTATE (or PostgREST code) when there is one. */
export class StoreError extends Error {
	constructor(
		message: string,
		readonly code?: string,
		readonly hint?: string,
	) {
		super(message);
		this.name = 'StoreError';
	}

	/** Invalid argument raised by a store function (SQLSTATE 22023 and other data exceptions, class 22). */
	get isInvalidInput(): boolean {
		return !!this.code && this.code.startsWith('22');
	}

	get isMissingFunction(): boolean {
		return this.code === '42883' || this.code === 'PGRST202';
	}
}
