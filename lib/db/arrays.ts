/**
 * `{1,2,3}`: a PostgreSQL array literal for `= ANY($1::type[])`, sent as one text parameter (one
 * parameter whatever the count, no per-element serialisation). Only for values that need no
 * quoting: validated ids and uuids.
 */
export const arrayLiteral = (values: readonly (string | number)[]): string => `{${values.join(',')}}`;
