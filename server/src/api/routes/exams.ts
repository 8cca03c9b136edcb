import { z } from 'zod';
import { ApiErrorBody, ExamDefinition, ExamhallError, PaperQuestion, Section } from '@examhall/shared';
import { importExamDefinition } from '../../exam/import.js';
import { importQtiPackage } from '../../exam/qti/import-qti.js';
import { spoolToFile } from '../uploads.js';
import type { RouteModule } from '../context.js';
import { ERROR_RESPONSES } from './common.js';

const ExamSummary = z.object({ id: z.string(), version: z.number().int(), title: z.string(), questions: z.number().int(), createdAt: z.string() });

const QtiResult = z.object({ examId: z.string(), version: z.number().int(), created: z.boolean(), questions: z.number().int(), sections: z.number().int() });
const StoredContent = z.object({ sections: z.array(Section).default([]), questions: z.array(PaperQuestion) });
const StoredVersion = z.object({ examId: z.string(), version: z.number().int(), title: z.string(), createdAt: z.string(), sections: z.array(Section), questions: z.array(PaperQuestion) });

/** Exam content: import a JSON exam definition (versioned; a stored version never changes), list versions. */
export const examRoutes: RouteModule = (app, { sql, config }) => {
  app.post('/api/v1/exams', {
    schema: {
      tags: ['exams'],
      summary: 'Import an exam version from JSON (content and keys); importing the same version again changes nothing; other content under a stored version is a CONFLICT',
      body: ExamDefinition,
      response: { 201: z.object({ examId: z.string(), version: z.number().int(), created: z.boolean() }), 200: z.object({ examId: z.string(), version: z.number().int(), created: z.boolean() }), ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const created = await importExamDefinition(sql, request.body);
    return reply.code(created ? 201 : 200).send({ examId: request.body.id, version: request.body.version, created });
  });

  app.post('/api/v1/exams/qti', {
    schema: {
      tags: ['exams'],
      summary: 'Import an exam version from an IMS QTI 3.0 package (Content-Type application/zip); every problem is listed by file, item and line, and nothing is written on any',
      querystring: z.object({
        examId: z.string().min(1).max(64).optional().describe("replaces the assessment test's identifier"),
        version: z.coerce.number().int().positive().optional().describe('default: the next free version (or the latest, if its content is the same)'),
      }),
      response: { 201: QtiResult, 200: QtiResult, 413: ApiErrorBody, ...ERROR_RESPONSES },
    },
  }, async (request, reply) => {
    const upload = await spoolToFile(request.body, config.API_BODY_LIMIT_MB * 1024 * 1024, 'package.zip');
    try {
      const result = await importQtiPackage(sql, upload.path, request.query);
      return reply.code(result.created ? 201 : 200).send(result);
    } finally {
      upload.remove();
    }
  });

  app.get('/api/v1/exams/:examId/versions/:version', {
    schema: {
      tags: ['exams'],
      summary: 'One stored exam version as candidates see it: sections and questions in authoring order, never the keys',
      params: z.object({ examId: z.string().min(1).max(64), version: z.coerce.number().int().positive() }),
      response: { 200: StoredVersion, ...ERROR_RESPONSES },
    },
  }, async (request) => {
    const { examId, version } = request.params;
    const [row] = await sql<Array<{ title: string; content: { sections?: unknown; questions: unknown }; created_at: Date }>>`
      SELECT title, content, created_at FROM exams WHERE id = ${examId} AND version = ${version}`;
    if (!row) throw new ExamhallError('NOT_FOUND', `exam ${examId} has no version ${version}`);
    const content = StoredContent.parse(row.content);
    return { examId, version, title: row.title, createdAt: row.created_at.toISOString(), ...content };
  });

  app.get('/api/v1/exams', {
    schema: { tags: ['exams'], summary: 'Every stored exam version', response: { 200: z.object({ exams: z.array(ExamSummary) }) } },
  }, async () => {
    const rows = await sql<Array<{ id: string; version: number; title: string; questions: number; created_at: Date }>>`
      SELECT id, version, title, jsonb_array_length(content->'questions') AS questions, created_at FROM exams ORDER BY id, version`;
    return { exams: rows.map((r) => ({ id: r.id, version: r.version, title: r.title, questions: r.questions, createdAt: r.created_at.toISOString() })) };
  });
};
