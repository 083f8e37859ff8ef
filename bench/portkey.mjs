// How the proxy benchmark starts Portkey's open-source gateway (the @portkey-ai/gateway devDependency):
// its built node server, headless, on a given port, with the header preload it needs on Node 20.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export function portkeyArgs(root, port) {
  return [
    '--import', pathToFileURL(join(root, 'bench', 'portkey-preload.mjs')).href,
    join(root, 'node_modules', '@portkey-ai', 'gateway', 'build', 'start-server.js'),
    `--port=${port}`,
    '--headless',
  ];
}
