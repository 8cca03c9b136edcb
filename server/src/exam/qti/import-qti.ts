import { ExamDefinition, ImportInvalidError, type ImportProblem } from '@examhall/shared';
import type { Sql } from '../../store/db.js';
import { importExamDefinition, isStoredAs, nextFreeVersion } from '../import.js';
import { packageToExam, type PackageExam } from './package.js';
import { DEFAULT_ZIP_LIMITS, readZipXmlFiles, type ZipLimits } from './zip.js';

export interface QtiImportOptions {
  /** replaces the assessment test's identifier */
  examId?: string;
  /** default: the next free version, unless the latest stored one has exactly this content */
  version?: number;
  zipLimits?: ZipLimits;
}

export interface QtiImportResult {
  examId: string;
  version: number;
  created: boolean;
  questions: number;
  sections: number;
}

/**
 * Imports a QTI 3.0 package (a zip with imsmanifest.xml) as one exam version, through the same
 * stored path as the JSON import. Every problem of the package is collected first; if there is
 * any, ImportInvalidError lists them all (file, item, line) and nothing is written.
 */
export async function importQtiPackage(sql: Sql, zipPath: string, options: QtiImportOptions = {}): Promise<QtiImportResult> {
  const files = await readZipXmlFiles(zipPath, options.zipLimits ?? DEFAULT_ZIP_LIMITS);
  const problems: ImportProblem[] = [];
  const built = packageToExam(files, options.examId, problems);
  if (!built) throw new ImportInvalidError(problems);

  // the schema check needs a version; a placeholder keeps problems ahead of any database read
  const checked = ExamDefinition.safeParse({ ...built.definition, version: options.version ?? 1 });
  if (!checked.success) throw new ImportInvalidError(checked.error.issues.map((issue) => placeIssue(built, issue.path, issue.message)));
  const exam = checked.data;

  let version = options.version;
  if (version === undefined) {
    const next = await nextFreeVersion(sql, exam.id);
    // importing the same package twice without --version must not mint a copy
    if (next > 1 && (await isStoredAs(sql, exam, next - 1))) return summary(exam, next - 1, false);
    version = next;
  }
  const created = await importExamDefinition(sql, { ...exam, version });
  return summary(exam, version, created);
}

const summary = (exam: ExamDefinition, version: number, created: boolean): QtiImportResult => ({
  examId: exam.id, version, created, questions: exam.questions.length, sections: exam.sections.length,
});

/** A schema issue placed at the file and line its question or section came from. */
function placeIssue(built: PackageExam, path: PropertyKey[], message: string): ImportProblem {
  const [area, index, ...rest] = path;
  const field = rest.length > 0 ? `${rest.map(String).join('.')}: ` : '';
  const origin = area === 'questions' ? built.questionOrigins[Number(index)] : area === 'sections' ? built.sectionOrigins[Number(index)] : undefined;
  if (origin) return { ...origin, message: `${field}${message}` };
  return { file: built.testFile, message: `${path.map(String).join('.') || 'exam'}: ${message}` };
}
