// A browser-mode server in its own process (for tests that must see whether a request can end it): prints one JSON
// line {port, url, token, sessionToken, basePath}, then serves until killed. Usage: serve-child.ts <static-dir> [case]
import { CaseService } from '../../electron/service.ts';
import { startWebServer } from '../../electron/web.ts';

const [staticDir, casePath] = process.argv.slice(2);
const service = new CaseService(casePath ? { casePath } : {});
const srv = await startWebServer({ service, staticDir });
process.stdout.write(JSON.stringify({ port: srv.port, url: srv.url, token: srv.token, sessionToken: srv.sessionToken, basePath: srv.basePath }) + '\n');
process.once('SIGTERM', () => { void srv.close().then(() => { service.close(); process.exit(0); }); });
