import { defineE2eSuite } from './suite';

defineE2eSuite(1);
