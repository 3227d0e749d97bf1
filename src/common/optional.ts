import { ValidateBy, ValidateIf, ValidationOptions } from 'class-validator';

/** The constraint that refuses `null`; the validation pipe reports only it for such a field. */
export const NOT_NULL = 'isNotNull';

/**
 * An optional field that is not nullable: absent, it is skipped; `null`, it is refused with
 * "<field> must not be null" (class-validator's IsOptional would let null through unchecked).
 */
export function IsOmittable(options?: ValidationOptions): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ValidateIf((_object: unknown, value: unknown) => value !== undefined, options)(target, property);
    ValidateBy(
      {
        name: NOT_NULL,
        validator: {
          validate: (value: unknown) => value !== null,
          defaultMessage: (args) => `${args?.property} must not be null`,
        },
      },
      options,
    )(target, property);
  };
}
