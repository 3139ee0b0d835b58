/**
 * A jest reporter that ends a failing run with each distinct failure once, shortened.
 *
 * Why: CI keeps only the head and the tail of a run's output. Jest prints a file's failures right
 * after that file's tests, in the middle, and a set-up (beforeAll) failure is repeated for every
 * test of the file; the tail then shows a column of crosses and no reason. This digest comes last.
 */
class FailureDigest {
	constructor(_globalConfig, options = {}) {
		this.maxLines = options.maxLines ?? 25;
		this.maxFailures = options.maxFailures ?? 5;
	}

	onRunComplete(_contexts, results) {
		const seen = new Map();
		for (const file of results.testResults) {
			const where = file.testFilePath.replace(`${process.cwd()}/`, '');
			const messages = [
				...(file.testExecError ? [file.testExecError.message] : []),
				...file.testResults.flatMap((test) => test.failureMessages),
			];
			for (const message of messages) {
				const key = stripAnsi(message).split('\n').slice(0, 3).join('\n');
				const entry = seen.get(key) ?? { where, count: 0, message };
				entry.count += 1;
				seen.set(key, entry);
			}
		}
		if (seen.size === 0) return;
		const lines = [`Failure digest: ${seen.size} distinct failure(s)`];
		for (const { where, count, message } of [...seen.values()].slice(0, this.maxFailures)) {
			// The reason and where in our code, not the test runner's own frames.
			const text = stripAnsi(message)
				.split('\n')
				.filter((line) => !/^\s+at .*(node_modules|node:internal|\(<anonymous>\))/.test(line));
			lines.push(`--- ${where} (${count} test(s)):`, ...text.slice(0, this.maxLines));
			if (text.length > this.maxLines) lines.push(`    ... ${text.length - this.maxLines} more line(s)`);
		}
		if (seen.size > this.maxFailures) lines.push(`... and ${seen.size - this.maxFailures} more`);
		process.stderr.write(`\n${lines.join('\n')}\n`);
	}
}

function stripAnsi(text) {
	return String(text).replace(/\u001b\[[0-9;]*m/g, '');
}

module.exports = FailureDigest;
