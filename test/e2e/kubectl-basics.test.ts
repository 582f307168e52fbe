/**
 * Issue #2 end to end on the embedded store: the real kubectl against a real `skiff server`
 * process on SQLite, through the shared suite in kubectl-suite.ts.
 */
import { startServer } from '../support/cluster.js';
import { describeKubectlSuite } from './kubectl-suite.js';

describeKubectlSuite('a sqlite-backed server', () => startServer());
