// Loupe's version, from package.json (shown in reports and stored in each case).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const LOUPE_VERSION: string = (require('../package.json') as { version: string }).version;
