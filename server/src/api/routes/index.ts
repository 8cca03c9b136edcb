import type { RouteModule } from '../context.js';
import { accessRoutes } from './access.js';
import { examRoutes } from './exams.js';
import { healthRoutes } from './health.js';
import { rosterRoutes } from './roster.js';
import { sittingRoutes } from './sittings.js';
import { proctorRoutes } from './proctors.js';
import { tokenRoutes } from './tokens.js';
import { resultRoutes } from './results.js';

/** Every route module of the API, one per concern; add a new concern's module here. */
export const ROUTE_MODULES: RouteModule[] = [healthRoutes, examRoutes, rosterRoutes, accessRoutes, sittingRoutes, proctorRoutes, tokenRoutes, resultRoutes];
