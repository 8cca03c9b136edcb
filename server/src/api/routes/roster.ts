import { z } from 'zod';
import { ImportInvalidError } from '@examhall/shared';
import { importRoster } from '../../roster/roster-import.js';
import { ROSTER_COLUMNS, ROSTER_OPTIONAL_COLUMNS } from '../../roster/roster-csv.js';
import type { RouteModule } from '../context.js';
import { spoolToFile } from '../uploads.js';
import { ERROR_RESPONSES } from './common.js';

const RosterResult = z.object({ rows: z.number().int(), districts: z.number().int(), centers: z.number().int(), candidates: z.number().int(), enrolled: z.number().int(), ms: z.number() });

/** Roster CSV upload: the same two-pass import as the CLI (checked whole first, then one transaction). */
export const rosterRoutes: RouteModule = (app, { sql, config }) => {
  app.post('/api/v1/roster', {
    schema: {
      tags: ['roster'],
      summary: `Import a roster CSV (Content-Type text/csv) with the columns ${ROSTER_COLUMNS.join(',')} and optionally ${ROSTER_OPTIONAL_COLUMNS.join(',')} (slot: morning|afternoon|evening); upserts by id, so a re-import updates in place`,
      querystring: z.object({ sitting: z.string().min(1).optional().describe('also enrol every candidate of the file in this sitting') }),
      response: { 200: RosterResult, ...ERROR_RESPONSES },
    },
  }, async (request) => {
    const upload = await spoolToFile(request.body, config.API_BODY_LIMIT_MB * 1024 * 1024, 'roster.csv');
    try {
      const result = await importRoster(sql, upload.path, { sittingId: request.query.sitting });
      if (result.errors.length > 0) throw new ImportInvalidError(result.errors);
      const { errors: _none, ...counts } = result;
      return counts;
    } finally {
      upload.remove();
    }
  });
};
