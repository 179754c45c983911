/**
 * Prisma CLI config of the account context, for `prisma migrate deploy` against a real
 * CockroachDB (see README). The URL must be a user allowed to run DDL in database `account`.
 *   npx prisma migrate deploy --config prisma/account/prisma.config.ts
 */
import path from 'node:path';
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  datasource: { url: process.env.ACCOUNT_MIGRATION_DATABASE_URL ?? process.env.ACCOUNT_DATABASE_URL ?? '' },
});
