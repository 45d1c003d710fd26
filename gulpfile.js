// Copies every non-TypeScript asset the built package needs into dist/: node and credential icons,
// message templates, the chat bubble's browser script, and the SQL migrations the Postgres and Embedded transports apply on first use.
const { src, dest, parallel } = require('gulp');

function icons() {
	return src(['nodes/**/*.{png,svg}', 'credentials/**/*.{png,svg}'], { base: '.', encoding: false }).pipe(dest('dist'));
}

function templates() {
	return src(['lib/**/*.{hbs,json,txt,css}', 'lib/welcome/chat-bubble.js'], { base: '.', allowEmpty: true }).pipe(dest('dist'));
}

function migrations() {
	return src('supabase/migrations/*.sql', { base: '.' }).pipe(dest('dist'));
}

exports.build = parallel(icons, templates, migrations);
exports.default = exports.build;
