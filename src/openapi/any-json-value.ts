import { ApiProperty, ApiPropertyOptions, OpenAPIObject } from '@nestjs/swagger';

const MARKER = 'x-any-json-value';

/**
 * A property that holds any JSON value, `null` included. @nestjs/swagger always writes a
 * `type` (`object` for `unknown`); OpenAPI 3.0's "any value" is a schema without `type` (and so
 * without `nullable`, which needs a `type`), which generators map to `unknown` (TypeScript) and
 * `Any` (Python). `untypeAnyJsonValues` turns the marker into that schema when the document is built.
 */
export function ApiAnyJsonProperty(options: ApiPropertyOptions): PropertyDecorator {
  return ApiProperty({ ...options, [MARKER]: true } as unknown as ApiPropertyOptions);
}

/** Removes `type` from the properties marked by `ApiAnyJsonProperty`, and the marker itself. */
export function untypeAnyJsonValues(document: OpenAPIObject): OpenAPIObject {
  for (const schema of Object.values(document.components?.schemas ?? {})) {
    for (const property of Object.values(('properties' in schema && schema.properties) || {})) {
      const record = property as Record<string, unknown>;
      if (record[MARKER]) {
        delete record[MARKER];
        delete record.type;
      }
    }
  }
  return document;
}
