// Runs TypeScript sources directly with SWC (decorator metadata included), so
// `npm start` and the CLI scripts need no separate build step.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('reflect-metadata');
