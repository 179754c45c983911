/**
 * Prisma CLI config of the image context, for `prisma generate` (prisma/tools/generate.ts). Not a
 * migration path: every migration runs through prisma/tools/migrate-cli.ts (`npm run db:migrate`,
 * the `migrate` image), Prisma's schema engine in process (docs/cockroachdb.md, "Migrations").
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  datasource: { url: process.env.IMAGE_MIGRATION_DATABASE_URL ?? process.env.IMAGE_DATABASE_URL ?? '' },
});
