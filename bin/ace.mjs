#!/usr/bin/env node
// `ace`, the command line of the AI Coordination Engine (src/cli/main.ts), run through tsx like `npm start`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
