/**
 * Writes the OpenAPI document to openapi.json at the repo root (npm run openapi), or to the path
 * given as the first argument. Builds the application in Nest's preview mode: the controllers and
 * DTOs are scanned, nothing is instantiated, so neither Redis nor nsjail nor API keys are needed.
 */
import { NestFactory } from '@nestjs/core';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/app-config';
import { buildOpenApiDocument } from '../src/openapi/openapi';

async function main(): Promise<void> {
  const target = resolve(process.argv[2] ?? resolve(__dirname, '..', 'openapi.json'));
  // ROLE=api: the routes the API serves (a worker serves none). The key only satisfies the config check.
  const config = loadConfig({ ROLE: 'api', API_KEYS: 'openapi-export' });
  const app = await NestFactory.create(AppModule.forRoot(config), { preview: true, logger: false, abortOnError: false });
  const document = buildOpenApiDocument(app);
  await app.close();
  writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
  console.log(`wrote ${target}`);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
