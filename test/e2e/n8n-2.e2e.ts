import { defineNpmStartTest } from './npmStart';
import { defineE2eSuite } from './suite';

defineE2eSuite(2);
// After the suite's own n8n has stopped: `npm start` runs n8n 2.x too.
defineNpmStartTest();
