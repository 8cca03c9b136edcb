// The examhall program: every role and command (server/src/cli/). Kept at this path because
// deployments, benches and tests start `server/src/cli.ts`.
import './cli/main.js';
