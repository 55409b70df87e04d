/**
 * Custom scalars. Money is a decimal string so no amount is ever rounded by a
 * binary float on its way through JSON.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { GraphQLDateTime } from 'graphql-scalars';

const MONEY_PATTERN = /^-?\d{1,12}(\.\d{1,2})?$/;

/** Normalises "12", "12.5", 12.5 to "12.50"; returns null for anything else. */
export function parseMoney(value: unknown): string | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  if (!MONEY_PATTERN.test(text)) return null;
  const [whole, frac = ''] = text.split('.');
  const normalisedWhole = whole.replace(/^(-?)0+(?=\d)/, '$1');
  const result = `${normalisedWhole}.${frac.padEnd(2, '0')}`;
  return result === '-0.00' ? '0.00' : result;
}

function moneyInputError(value: unknown): GraphQLError {
  return new GraphQLError(
    `Money must be a decimal string with at most 2 decimal places and 12 integer digits, like "19.99"; got ${JSON.stringify(value)?.slice(0, 40)}.`,
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
}

export const Money = new GraphQLScalarType<string, string>({
  name: 'Money',
  description:
    'An amount of money in the account currency, as a decimal string with exactly two decimal places ("1234.50"). Inputs accept a string or number with at most two decimals. Never a binary float, so nothing rounds.',
  serialize(value) {
    const parsed = parseMoney(value);
    if (parsed === null) throw new GraphQLError(`Money cannot represent ${String(value)}`);
    return parsed;
  },
  parseValue(value) {
    const parsed = parseMoney(value);
    if (parsed === null) throw moneyInputError(value);
    return parsed;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING && ast.kind !== Kind.INT && ast.kind !== Kind.FLOAT) throw moneyInputError(ast.kind);
    const parsed = parseMoney(ast.value);
    if (parsed === null) throw moneyInputError(ast.value);
    return parsed;
  },
});

/** ISO 8601 date-time, always emitted in UTC. */
export const DateTime = GraphQLDateTime;
