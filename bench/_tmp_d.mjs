import {ADMIN_ID, ADMIN_SECRET, startTollgated} from '../test/e2e/lib/tollgated.mjs';

const d = await startTollgated(
    {binDir: '/work/main/build/bin', args: ['--app-write-rate', '0', '--threads', '16']});
console.log(
    d.url, 'Basic ' + Buffer.from(`${ADMIN_ID}:${ADMIN_SECRET}`).toString('base64'), d.dataDir);
await new Promise((r) => setTimeout(r, 60000));
await d.stop();
