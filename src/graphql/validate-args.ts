/**
 * Argument validation with class-validator, as type-graphql does it
 * (skipMissingProperties, no forbidUnknownValues, arrays item by item, failures
 * as ArgumentValidationError), but with class-validator imported once: the
 * built-in path loads it with a dynamic `require` on every validated argument.
 */
import { validateOrReject, type ValidatorOptions } from 'class-validator';
import { ArgumentValidationError } from 'type-graphql';

export const VALIDATOR_OPTIONS: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false };

const validated = (value: unknown): value is object => value !== null && typeof value === 'object';

/** type-graphql's `validateFn`: throws ArgumentValidationError when an input object breaks its class's rules. */
export async function validateArgument(value: unknown): Promise<void> {
  try {
    if (Array.isArray(value)) await Promise.all(value.filter(validated).map((item) => validateOrReject(item, VALIDATOR_OPTIONS)));
    else if (validated(value)) await validateOrReject(value, VALIDATOR_OPTIONS);
  } catch (err) {
    throw new ArgumentValidationError(err as never);
  }
}
