import type { IDisplayOptions, INodeProperties } from 'n8n-workflow';

/**
 * Adds `show`/`hide` conditions to every property of an operation, so the
 * `resource`/`operation` conditions are written once per operation file and never by hand on
 * each field. Conditions already on a property are kept and merged.
 */
export function updateDisplayOptions(
	displayOptions: IDisplayOptions,
	properties: INodeProperties[],
): INodeProperties[] {
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, ...displayOptions.show },
			...(displayOptions.hide || property.displayOptions?.hide
				? { hide: { ...property.displayOptions?.hide, ...displayOptions.hide } }
				: {}),
		},
	}));
}
