/**
 * The benchmark's chart: one SVG with a panel per section, each bar a ratio measured in the
 * same run (1.0 = the reference of that panel). Plain SVG text, so no drawing library is needed.
 */
type Json = Record<string, unknown>;

interface Bar {
	label: string;
	value: number | null;
	/** Shown instead of the value, e.g. "did not complete". */
	text?: string;
	ours?: boolean;
}

interface Panel {
	title: string;
	reference: string;
	/** Counts, shown as whole numbers; otherwise ratios with two decimals. */
	counts?: boolean;
	bars: Bar[];
}

const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function panels(results: Json): Panel[] {
	const out: Panel[] = [];
	const paging = results.paging as
		| { summary: Array<{ contestant: string; runs: number; completed: number; medianRatioToFloor: number | null }> }
		| undefined;
	if (paging) {
		out.push({
			title: 'Paging under a rate limit: median wall time of the completed runs',
			reference: '1.0 = the floor the token bucket allows',
			bars: [
				{ label: 'floor', value: 1 },
				...paging.summary.map((r) => ({
					label: r.contestant,
					value: r.medianRatioToFloor,
					text: r.medianRatioToFloor === null ? `completed 0/${r.runs}` : `${r.medianRatioToFloor.toFixed(2)} (${r.completed}/${r.runs} completed)`,
					ours: r.contestant.startsWith('4SEE'),
				})),
			],
		});
	}
	const tokens = results.tokens as { rows: Array<{ contestant: string; tokenRequests: number; executions: number }> } | undefined;
	if (tokens) {
		out.push({
			title: 'Token requests per 100 executions',
			reference: 'count',
			counts: true,
			bars: tokens.rows.map((r) => ({ label: r.contestant, value: r.tokenRequests, ours: r.contestant.startsWith('4SEE') })),
		});
	}
	const overhead = results.overhead as { cpuRatio: number; memoryRatio: number } | undefined;
	if (overhead) {
		out.push({
			title: 'Our overhead per 10,000 records',
			reference: '1.0 = a plain HTTP loop over the same pages',
			bars: [
				{ label: 'plain HTTP loop', value: 1 },
				{ label: '4SEE node: CPU time', value: overhead.cpuRatio, ours: true },
				{ label: '4SEE node: peak memory', value: overhead.memoryRatio, ours: true },
			],
		});
	}
	const trigger = results.trigger as
		| { rows: Array<{ budget: number; allActive: boolean; activeTrailers: number; pollsToCover: number | null; target: number }> }
		| undefined;
	if (trigger) {
		out.push({
			title: 'Trigger, 5,000-trailer fleet: polls to read every trailer watched',
			reference: '1.0 = the target, ceil(5000 / budget) polls',
			bars: trigger.rows.map((r) => {
				const fleet = r.allActive ? `all ${r.activeTrailers} in service` : `${r.activeTrailers} in service`;
				return {
					label: `budget ${r.budget}, ${fleet}: 4SEE Trigger`,
					value: r.pollsToCover === null ? null : r.pollsToCover / r.target,
					text: r.pollsToCover === null ? 'not covered' : `${r.pollsToCover} polls (target ${r.target})`,
					ours: true,
				};
			}),
		});
	}
	return out;
}

export function renderChart(results: Json): string {
	const width = 900;
	const labelWidth = 360;
	const barArea = width - labelWidth - 90;
	const rowHeight = 24;
	const parts: string[] = [];
	let y = 20;
	for (const panel of panels(results)) {
		const max = Math.max(1, ...panel.bars.map((b) => b.value ?? 0)) * 1.1;
		parts.push(`<text x="10" y="${y + 14}" font-size="15" font-weight="bold">${esc(panel.title)}</text>`);
		parts.push(`<text x="10" y="${y + 32}" font-size="12" fill="#555">${esc(panel.reference)}</text>`);
		y += 44;
		for (const bar of panel.bars) {
			const w = bar.value === null ? 0 : Math.max(1, (bar.value / max) * barArea);
			const fill = bar.ours ? '#d4380d' : '#8c8c8c';
			parts.push(`<text x="${labelWidth - 8}" y="${y + 16}" font-size="12" text-anchor="end">${esc(bar.label)}</text>`);
			parts.push(`<rect x="${labelWidth}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowHeight - 8}" fill="${fill}"/>`);
			const text = bar.text ?? (panel.counts ? String(bar.value) : (bar.value as number).toFixed(2));
			parts.push(`<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + 16}" font-size="12">${esc(text)}</text>`);
			y += rowHeight;
		}
		y += 16;
	}
	return [
		`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">`,
		`<rect width="100%" height="100%" fill="#fff"/>`,
		...parts,
		'</svg>',
		'',
	].join('\n');
}
