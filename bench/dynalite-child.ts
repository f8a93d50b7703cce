// Runs dynalite in its own process (its CPU must not compete with the executor's event loop):
// prints the endpoint on stdout, serves until killed.
import { startLocalDynamo } from '../src/local/dynamo-server.js';

const dynamo = await startLocalDynamo();
process.stdout.write(`${dynamo.endpoint}\n`);
