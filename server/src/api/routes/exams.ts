import { z } from 'zod';
import { ExamDefinition } from '@examhall/shared';
import { importExamDefinition } from '../../exam/import.js';
import type { RouteModule } from '../context.js';
import { ERROR_RESPONSES } from './common.js';

const ExamSummary = z.object({ id: z.string(), version: z.number().int(), title: z.string(), questions: z.number().int(), createdAt: z.string() });

/** Exam content: import a JSON exam definition (versioned; a stored version never changes), list versions. */
export const examRoutes: RouteModule = (app, { sql }) => {
  app.post('/api/v1/exams', {
    schema: {
      tags: ['exams'],
      summary: 'Import an exam version from JSON (content and keys); importing the same version again changes nothing',
      body: ExamDefinition,
      response: { 201: z.object({ examId: z.string(), version: z.number().int(), created: z.boolean() }), 200: z.object({ examId: z.string(), version: z.number().int(), created: z.boolean() }), ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const created = await importExamDefinition(sql, request.body);
    return reply.code(created ? 201 : 200).send({ examId: request.body.id, version: request.body.version, created });
  });

  app.get('/api/v1/exams', {
    schema: { tags: ['exams'], summary: 'Every stored exam version', response: { 200: z.object({ exams: z.array(ExamSummary) }) } },
  }, async () => {
    const rows = await sql<Array<{ id: string; version: number; title: string; questions: number; created_at: Date }>>`
      SELECT id, version, title, jsonb_array_length(content->'questions') AS questions, created_at FROM exams ORDER BY id, version`;
    return { exams: rows.map((r) => ({ id: r.id, version: r.version, title: r.title, questions: r.questions, createdAt: r.created_at.toISOString() })) };
  });
};
