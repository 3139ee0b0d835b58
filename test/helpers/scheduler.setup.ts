/**
 * Every test starts with a request scheduler that has learned nothing: a 429 one test provokes
 * on purpose must not pace or pause the next test's requests to the same API.
 */
import { resetScheduler } from '../../nodes/FourSee/transport/scheduler';

beforeEach(() => resetScheduler());
